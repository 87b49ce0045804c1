/// Who runs the work that must run on one instance at a time (the recovery pass, scheduled health checks).
///
/// PostgreSQL: a session advisory lock held on a connection of its own, so the lock lives exactly as long as
/// that session; when the holder dies its connection closes, the server releases the lock, and the next
/// instance to ask takes it. SQLite and memory: one process, always the leader.
public protocol LeaderLock: Sendable {
    /// Takes the lock, or checks that it is still held. Never throws: an unreachable database means "not the
    /// leader now" (the caller asks again later).
    /// - Returns: whether this instance leads now.
    func acquire() async -> Bool

    /// Gives the lock up (closing its session); `acquire()` may take it again later.
    func release() async
}

/// The leader lock of a store that only one process uses.
public struct SoleProcessLeaderLock: LeaderLock {
    public init() {}

    public func acquire() async -> Bool { true }

    public func release() async {}
}
