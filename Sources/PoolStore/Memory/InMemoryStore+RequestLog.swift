import Foundation
import PoolCore
import Synchronization

/// The request log of an `InMemoryStore`: the records in a list, queried with the same filter the memory ring uses.
/// Like the token ledger and the jobs, it lives beside the store's main tables and outlives `close()`.
extension InMemoryStore {
    public func appendRequestLog(_ records: [RequestRecord]) async throws {
        requestTable.withLock { $0 += records }
    }

    public func requestLog(
        _ filter: RequestFilter, limit: Int, before cursor: RequestCursor?
    ) async throws -> [RequestRecord] {
        let matching = requestTable.withLock { $0.filter(filter.matches) }
        return Array(RequestPage.newest(matching, before: cursor, limit: limit).prefix(max(0, limit)))
    }

    public func requestUsage(_ query: UsageQuery) async throws -> [UsageRow] {
        var aggregator = UsageAggregator(query)
        requestTable.withLock { records in
            for record in records { aggregator.add(record) }
        }
        return aggregator.result
    }

    @discardableResult
    public func pruneRequestLog(before cutoff: Date) async throws -> Int {
        requestTable.withLock { records in
            let before = records.count
            records.removeAll { $0.startedAt < cutoff }
            return before - records.count
        }
    }
}
