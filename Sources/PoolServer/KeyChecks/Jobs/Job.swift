import Foundation
import PoolStore
import Synchronization

/// One background job: what it is, how far it got, and its result once done.
final class Job: Sendable {
    enum State: String, Sendable, Encodable {
        case running
        case done
        case failed
    }

    let id: String
    let kind: String
    let createdAt: Date
    private let started = ContinuousClock.now
    private let total: Atomic<Int>
    private let done = Atomic<Int>(0)
    private let valid = Atomic<Int>(0)
    private let invalid = Atomic<Int>(0)
    private let outcome = Mutex<
        (state: State, result: (any Encodable & Sendable)?, error: String?, finishedAt: Date?, elapsed: Duration?)
    >(
        (.running, nil, nil, nil, nil)
    )

    init(id: String, kind: String, total: Int, createdAt: Date) {
        self.id = id
        self.kind = kind
        self.total = Atomic(total)
        self.createdAt = createdAt
    }

    var isRunning: Bool { outcome.withLock { $0.state == .running } }

    func setTotal(_ count: Int) { total.store(count, ordering: .relaxed) }

    /// Counts one finished item; `valid` and `invalid` say what it turned out to be, when that is either.
    func advance(valid isValid: Bool = false, invalid isInvalid: Bool = false) {
        if isValid { valid.add(1, ordering: .relaxed) }
        if isInvalid { invalid.add(1, ordering: .relaxed) }
        done.add(1, ordering: .relaxed)
    }

    func finish(result: any Encodable & Sendable, at now: Date) {
        let elapsed = ContinuousClock.now - started
        outcome.withLock { $0 = (.done, result, nil, now, elapsed) }
    }

    func fail(_ message: String, at now: Date) {
        let elapsed = ContinuousClock.now - started
        outcome.withLock { $0 = (.failed, nil, message, now, elapsed) }
    }

    /// The job as `GET /admin/jobs/{id}` shows it.
    func snapshot() -> JobSnapshot {
        let current = outcome.withLock { $0 }
        let finished = done.load(ordering: .relaxed)
        let elapsed = current.elapsed ?? (ContinuousClock.now - started)
        let seconds = Self.seconds(elapsed)
        return JobSnapshot(
            id: id, kind: kind, state: current.state, total: total.load(ordering: .relaxed), done: finished,
            valid: valid.load(ordering: .relaxed), invalid: invalid.load(ordering: .relaxed),
            ratePerS: seconds > 0 ? (Double(finished) / seconds * 10).rounded() / 10 : 0,
            createdAt: createdAt, finishedAt: current.finishedAt, error: current.error,
            result: current.result.map(AnyEncodableResult.init)
        )
    }

    /// The job as the store keeps it: what `snapshot()` shows, with the result as the API's JSON.
    func stored(instance: String) -> StoredJob {
        let snapshot = snapshot()
        let elapsed = outcome.withLock { $0.elapsed } ?? (ContinuousClock.now - started)
        let resultJSON = snapshot.result.flatMap { result in
            (try? JSONWriter.data(result)).map { String(decoding: $0, as: UTF8.self) }
        }
        return StoredJob(
            id: id, kind: kind, instance: instance,
            state: StoredJob.State(rawValue: snapshot.state.rawValue) ?? .failed,
            total: snapshot.total, done: snapshot.done, valid: snapshot.valid, invalid: snapshot.invalid,
            createdAt: createdAt, updatedAt: Date(), finishedAt: snapshot.finishedAt,
            elapsedSeconds: Self.seconds(elapsed), error: snapshot.error, resultJSON: resultJSON)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
