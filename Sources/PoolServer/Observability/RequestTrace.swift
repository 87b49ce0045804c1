import Foundation
import PoolCore

/// The ``RequestRecord`` of one proxied request while it is under way, and the instants its durations are measured
/// from. A ``ProxiedRequest`` holds one only while the gateway has request observers: the wall clock is read once,
/// when the head arrives; every duration after that is a monotonic difference.
struct RequestTrace {
    var record: RequestRecord
    /// When the head arrived.
    let arrived: ContinuousClock.Instant
    /// The current attempt's upstream status, once its head came.
    var attemptStatus: Int?
    /// The answer's head went out: its time after ``arrived`` is the first-byte time.
    var answered = false

    init(id: String, startedAt: Date, provider: ProviderID, route: String, arrived: ContinuousClock.Instant) {
        record = RequestRecord(id: id, startedAt: startedAt, provider: provider, route: route)
        self.arrived = arrived
    }

    /// One attempt ended with `outcome` (started at `started`, now); its time counts as the upstream's.
    mutating func attemptEnded(
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
    mutating func answerStarted(status: Int, now: ContinuousClock.Instant) {
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
