/// Runs `body`, failing with a `StoreError` naming `what` when it takes longer than `limit` (the call is
/// cancelled): postgres-nio keeps retrying an unreachable server rather than failing a query, and a caller that
/// must go on (a poll, a lease, opening the store) needs an answer in bounded time.
public func withStoreDeadline<Result: Sendable>(
    _ limit: Duration, what: String, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let result = first else {
            throw StoreError("cannot \(what) within \(limit.components.seconds) s")
        }
        return result
    }
}
