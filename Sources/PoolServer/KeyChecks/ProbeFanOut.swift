/// The one way many keys are probed: validated imports, health checks, bulk verification and recovery passes.
///
/// Runs `probe` for every item with at most `limit` probes at once, gathers what each produces (records to
/// insert, profiles to update) and hands them to `write` in batches of `batchSize` while the run goes on, so the
/// first results are stored long before the last probe returns. A failed write does not stop the run; the first
/// such error is thrown once every probe has finished, after the last batch was written.
struct ProbeFanOut<Output: Sendable>: Sendable {
    let limit: Int
    let batchSize: Int
    let write: @Sendable ([Output]) async throws -> Void

    /// - Parameter probe: probes one item; nil when it produced nothing to write.
    /// - Throws: the first write error, or `CancellationError` when the calling task was cancelled.
    func run<Item: Sendable>(_ items: [Item], probe: @escaping @Sendable (Item) async -> Output?) async throws {
        let pending = SharedState<[Output]>([])
        let writeFailure = SharedState<(any Error)?>(nil)
        let (batchSize, write) = (self.batchSize, self.write)
        await forEachConcurrently(items, limit: limit) { item in
            guard let output = await probe(item) else { return }
            let batch = pending.withLock { pending -> [Output] in
                pending.append(output)
                guard pending.count >= batchSize else { return [] }
                defer { pending.removeAll(keepingCapacity: true) }
                return pending
            }
            guard !batch.isEmpty else { return }
            do {
                try await write(batch)
            } catch {
                writeFailure.withLock { $0 = $0 ?? error }
            }
        }
        let rest = pending.withLock { $0 }
        if !rest.isEmpty { try await write(rest) }
        if let failure = writeFailure.withLock({ $0 }) { throw failure }
        try Task.checkCancellation()
    }
}
