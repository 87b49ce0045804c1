/// Runs `body` once for every item with at most `limit` bodies running at a time, and returns when all have
/// finished. Once the calling task is cancelled no further item starts; running ones see the cancellation.
func forEachConcurrently<Item: Sendable>(
    _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async -> Void
) async {
    guard !items.isEmpty else { return }
    await withTaskGroup(of: Void.self) { group in
        var next = 0
        while next < items.count, next < max(1, limit) {
            let item = items[next]
            group.addTask { await body(item) }
            next += 1
        }
        while await group.next() != nil {
            guard next < items.count, !Task.isCancelled else { continue }
            let item = items[next]
            group.addTask { await body(item) }
            next += 1
        }
    }
}
