import Foundation
import Synchronization

/// Failed authentications per client IP (`AUTH_FAILURES_PER_MINUTE`): an IP that fails more often than that in a
/// minute is locked out for `AUTH_LOCKOUT_SECONDS`, its requests refused before authentication. Loopback is not
/// exempt. Memory stays bounded: the failure counts are for the current minute only, and expired lock-outs are
/// dropped when the minute turns.
public final class AuthFailureLimiter: Sendable {
    /// Failures allowed per IP and minute; 0 turns the limiter off.
    public let failuresPerMinute: Int
    public let lockoutSeconds: Int
    private let state = Mutex(State())
    /// Some IP may be locked out: while none is, `lockout` answers without taking the lock (it runs for every
    /// proxied request).
    private let anyLockedOut = Atomic<Bool>(false)

    public init(failuresPerMinute: Int, lockoutSeconds: Int) {
        self.failuresPerMinute = failuresPerMinute
        self.lockoutSeconds = lockoutSeconds
    }

    public var isEnabled: Bool { failuresPerMinute > 0 }

    /// Seconds `ip` must still wait (at least 1), or nil when it may try.
    public func lockout(_ ip: String, now: Date) -> Int? {
        guard isEnabled, anyLockedOut.load(ordering: .acquiring) else { return nil }
        let seconds = TokenLimiter.seconds(now)
        return state.withLock { state in
            guard let until = state.lockedUntil[ip] else { return nil }
            guard until > seconds else {
                state.lockedUntil[ip] = nil
                if state.lockedUntil.isEmpty { anyLockedOut.store(false, ordering: .releasing) }
                return nil
            }
            return Int(until - seconds)
        }
    }

    /// Counts a failed authentication of `ip`.
    /// - Returns: true when this failure locked the IP out.
    @discardableResult
    public func recordFailure(_ ip: String, now: Date) -> Bool {
        guard isEnabled else { return false }
        let seconds = TokenLimiter.seconds(now)
        return state.withLock { state in
            state.roll(to: seconds)
            let failures = (state.failures[ip] ?? 0) + 1
            state.failures[ip] = failures
            guard failures > failuresPerMinute, state.lockedUntil[ip] == nil else { return false }
            state.lockedUntil[ip] = seconds + Int64(max(1, lockoutSeconds))
            anyLockedOut.store(true, ordering: .releasing)
            state.failures[ip] = nil
            return true
        }
    }

    /// IPs locked out at `now`.
    public func lockedOutCount(now: Date) -> Int {
        let seconds = TokenLimiter.seconds(now)
        return state.withLock { $0.lockedUntil.values.filter { $0 > seconds }.count }
    }

    /// Failures this minute per IP, and lock-outs with their end (whole seconds since 1970).
    struct State {
        var minute: Int64 = .min
        var failures: [String: Int] = [:]
        var lockedUntil: [String: Int64] = [:]

        mutating func roll(to seconds: Int64) {
            let current = QuotaPeriod.floorDivide(seconds, 60)
            guard current != minute else { return }
            minute = current
            failures.removeAll(keepingCapacity: true)
            lockedUntil = lockedUntil.filter { $0.value > seconds }
        }
    }
}
