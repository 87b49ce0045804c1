import Foundation
import PoolCore

/// The ``RequestRecord`` of one proxied request while it is under way, and the instants its durations are measured
/// from. A ``ProxiedRequest`` holds one only while the gateway has request observers: the wall clock is read once,
/// when the head arrives; every duration after that is a monotonic difference. A class: the front updates it in
/// place at each step, where a struct behind an optional would be copied whole by every check and change.
final class RequestTrace {
    var record: RequestRecord
    /// When the head arrived.
    let arrived: ContinuousClock.Instant
    /// The current attempt's upstream status, once its head came.
    var attemptStatus: Int?
    /// The answer's head went out: its time after ``arrived`` is the first-byte time.
    var answered = false

    init(id: String, startedAt: Date, provider: ProviderID, route: String, arrived: ContinuousClock.Instant) {
        // To the microsecond, as the stores keep it: a record reads back equal to the one observers were given.
        record = RequestRecord(
            id: id, startedAt: RequestTime.normalized(startedAt), provider: provider, route: route)
        self.arrived = arrived
    }

    /// One attempt ended with `outcome` (started at `started`, now); its time counts as the upstream's.
    func attemptEnded(
        key: String, _ outcome: AttemptOutcome, started: ContinuousClock.Instant, now: ContinuousClock.Instant,
        error: String? = nil
    ) {
        let seconds = Self.seconds(now - started)
        record.upstreamSeconds += seconds
        record.attempts.append(
            RequestRecord.Attempt(
                keyID: key, result: RequestRecord.AttemptResult(outcome), status: attemptStatus, seconds: seconds,
                error: error ?? RequestRecord.Attempt.error(for: outcome)))
        attemptStatus = nil
    }

    /// The answer's head (its first byte) goes out with `status`.
    func answerStarted(status: Int, now: ContinuousClock.Instant) {
        guard !answered else { return }
        answered = true
        record.status = status
        record.firstByteSeconds = Self.seconds(now - arrived)
    }

    static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
