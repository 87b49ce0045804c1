import Foundation
import Synchronization

/// Requests per client IP and UTC minute for all proxy traffic (`IP_RPM`; 0 turns it off). The table holds the
/// current minute only and is emptied when the minute turns, so memory is bounded by one minute's IPs.
public final class IPRequestLimiter: Sendable {
    public let requestsPerMinute: Int
    private let state = Mutex(State())

    public init(requestsPerMinute: Int) {
        self.requestsPerMinute = requestsPerMinute
    }

    public var isEnabled: Bool { requestsPerMinute > 0 }

    /// Counts a request of `ip`; returns nil when it may go ahead, else the seconds until the next minute.
    public func admit(_ ip: String, now: Date) -> Int? {
        guard isEnabled else { return nil }
        let seconds = TokenLimiter.seconds(now)
        return state.withLock { state in
            let minute = QuotaPeriod.floorDivide(seconds, 60)
            if minute != state.minute {
                state.minute = minute
                state.counts.removeAll(keepingCapacity: true)
            }
            let count = state.counts[ip, default: 0]
            guard count < requestsPerMinute else { return Int(max(1, (minute + 1) * 60 - seconds)) }
            state.counts[ip] = count + 1
            return nil
        }
    }

    struct State {
        var minute: Int64 = .min
        var counts: [String: Int] = [:]
    }
}
