import Foundation
import Logging
import PoolCore
import PoolStore
import Synchronization

/// The request log (issue #16): every proxied request's record, kept in a memory ring (`REQUEST_LOG_SIZE`) and —
/// with `REQUEST_LOG_DAYS` > 0 — queued for the store, which ``RequestLogWriter`` writes every second (sooner once
/// a batch waits) and prunes hourly. On the request path it only appends under a short lock.
///
/// Queries (`/admin/requests`, `/admin/usage`) read the store when it keeps the log — so they survive a restart
/// and see other instances' requests — merged with the records not yet written; with the log in memory only, or
/// while the store cannot answer, they read the ring. Both go through the same filter and page types.
final class RequestLog: RequestObserver {
    private struct State {
        var ring: RequestRing
        /// Records not yet handed to the writer, oldest first.
        var pending: [RequestRecord] = []
        /// The batch the writer is writing: queries still see it, and a failed write puts it back.
        var writing: [RequestRecord] = []
        /// Records dropped because the queue was full (said in the log at the next flush).
        var dropped = 0
    }

    let settings: RequestLogSettings
    private let store: any PoolStore
    private let clock: any PoolClock
    private let logger: Logger
    private let state: Mutex<State>
    /// Most records waiting for the store: while it is away the oldest go. Far more than a write's batch and more
    /// than a second of full load (one core proxies ~30,000 requests a second), so a slow write loses nothing.
    let pendingLimit: Int

    init(
        settings: RequestLogSettings, store: any PoolStore, clock: any PoolClock, logger: Logger,
        pendingLimit: Int? = nil
    ) {
        self.settings = settings
        self.store = store
        self.clock = clock
        self.logger = logger
        state = Mutex(State(ring: RequestRing(capacity: settings.size)))
        self.pendingLimit = pendingLimit ?? max(settings.size, 100_000)
    }

    /// Whether it keeps anything at all (memory or store).
    var isKeeping: Bool { settings.size > 0 || settings.persists }

    // MARK: RequestObserver

    func requestFinished(_ record: RequestRecord) {
        let persists = settings.persists
        state.withLock { state in
            state.ring.append(record)
            guard persists else { return }
            if state.pending.count >= pendingLimit {
                // The oldest tenth goes at once: one move of the queue per tenth of the limit, not one a record.
                let excess = Swift.max(1, pendingLimit / 10)
                state.pending.removeFirst(excess)
                state.dropped += excess
            }
            state.pending.append(record)
        }
    }

    // MARK: Writing (off the request path)

    /// Writes the records waiting for the store; on failure they go back to the queue's front for the next call.
    /// The queue is handed over whole (no copy, nothing moved on the request path).
    /// - Returns: how many were written.
    @discardableResult
    func flush() async -> Int {
        let (batch, dropped) = state.withLock { state in
            defer { state.dropped = 0 }
            let batch = state.pending
            state.pending = []
            // Room for the next batch without regrowing (a batch after an outage can be far larger: not that).
            state.pending.reserveCapacity(Swift.min(batch.count, 8_192))
            state.writing = batch
            return (batch, state.dropped)
        }
        if dropped > 0 {
            logger.warning(
                "request log: records dropped while the store could not take them", metadata: ["dropped": "\(dropped)"])
        }
        guard !batch.isEmpty else { return 0 }
        do {
            try await store.appendRequestLog(batch)
        } catch {
            logger.warning(
                "request log: writing to the store failed; retrying next time",
                metadata: ["records": "\(batch.count)", "error": "\(error)"])
            state.withLock { state in
                state.writing = []
                var queue = batch
                queue.append(contentsOf: state.pending)
                let excess = queue.count - pendingLimit
                if excess > 0 {
                    queue.removeFirst(excess)
                    state.dropped += excess
                }
                state.pending = queue
            }
            return 0
        }
        state.withLock { $0.writing = [] }
        return batch.count
    }

    /// Deletes stored records older than `REQUEST_LOG_DAYS`.
    /// - Returns: how many were deleted (0 when the store keeps no log or failed).
    @discardableResult
    func prune() async -> Int {
        guard settings.persists else { return 0 }
        let cutoff = clock.now.addingTimeInterval(-Double(settings.days) * 86_400)
        do {
            return try await store.pruneRequestLog(before: cutoff)
        } catch {
            logger.warning("request log: pruning failed", metadata: ["error": "\(error)"])
            return 0
        }
    }

    // MARK: Queries

    /// One page of `GET /admin/requests`.
    func page(_ query: RequestListQuery) async -> RequestPage {
        if settings.persists {
            do {
                let stored = try await store.requestLog(query.filter, limit: query.limit + 1, before: query.cursor)
                let waiting = state.withLock {
                    $0.writing.filter(query.filter.matches) + $0.pending.filter(query.filter.matches)
                }
                let candidates = RequestPage.newest(
                    Self.withoutRepeats(stored + waiting), before: query.cursor, limit: query.limit)
                return RequestPage(candidates: candidates, limit: query.limit)
            } catch {
                logger.warning(
                    "request log: the store could not be read; answering from memory", metadata: ["error": "\(error)"])
            }
        }
        return state.withLock { $0.ring.page(query.filter, limit: query.limit, before: query.cursor) }
    }

    /// The rows of `GET /admin/usage`.
    func usage(_ query: UsageQuery) async -> [UsageRow] {
        var aggregator = UsageAggregator(query)
        if settings.persists {
            do {
                let stored = try await store.requestUsage(query)
                for row in stored { aggregator.add(row) }
                let (writing, pending) = state.withLock { ($0.writing, $0.pending) }
                for record in writing { aggregator.add(record) }
                for record in pending { aggregator.add(record) }
                return aggregator.result
            } catch {
                logger.warning(
                    "request log: the store could not be read; answering from memory", metadata: ["error": "\(error)"])
            }
        }
        for record in state.withLock({ $0.ring.matching(query.filter) }) { aggregator.add(record) }
        return aggregator.result
    }

    /// Records waiting for the store, the batch being written included (the writer's batch check, tests).
    var pendingCount: Int { state.withLock { $0.writing.count + $0.pending.count } }

    /// A record written while a query read the queue can show twice: once is enough.
    private static func withoutRepeats(_ records: [RequestRecord]) -> [RequestRecord] {
        var seen = Set<RequestCursor>()
        return records.filter { seen.insert(RequestCursor($0)).inserted }
    }
}
