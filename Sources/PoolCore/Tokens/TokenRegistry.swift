import Foundation
import Synchronization

/// Client tokens in memory, looked up by the SHA-256 of what a client presents (``TokenDigest``).
public final class TokenRegistry: Sendable {
    /// One token's record with its request counter, its limiter and its compiled model list. A policy change
    /// replaces the entry but hands the counter and the limiter over, so no request or usage is lost.
    public final class Entry: Sendable {
        public let record: ClientTokenRecord
        /// The token's limits and usage (issue #15).
        public let limiter: TokenLimiter
        /// The policy's `models`, ready to match.
        public let allowedModels: ModelAllowList
        private let counter: RequestCounter

        init(_ record: ClientTokenRecord, mode: BudgetMode) {
            self.record = record
            limiter = TokenLimiter(policy: record.policy, mode: mode)
            allowedModels = ModelAllowList(record.policy.models)
            counter = RequestCounter(record.requestCount)
        }

        /// The same token under a new record (policy, expiry, name): counter and limiter carry over.
        init(replacing previous: Entry, with record: ClientTokenRecord) {
            self.record = record
            limiter = previous.limiter
            limiter.update(policy: record.policy)
            allowedModels = ModelAllowList(record.policy.models)
            counter = previous.counter
        }

        public var requestCount: Int { counter.requests.load(ordering: .relaxed) }

        public func countRequest() {
            counter.requests.add(1, ordering: .relaxed)
            counter.dirty.store(true, ordering: .releasing)
        }

        func takeChanged() -> Bool { counter.dirty.exchange(false, ordering: .acquiringAndReleasing) }
    }

    /// A token's lifetime request count and whether it changed since the last flush.
    final class RequestCounter: Sendable {
        let requests: Atomic<Int>
        let dirty = Atomic<Bool>(false)

        init(_ count: Int) { requests = Atomic(count) }
    }

    /// Why a presented token does not open a route.
    public enum Rejection: Error, Equatable, Sendable {
        case missing
        case unknown
        case expired
        case wrongProvider(ProviderID)
    }

    /// Where a token's entry is kept: under the digest its `tokenHash` spells, or, when that is no SHA-256 in hex
    /// (a record no presented token can match), under its id, so it is still listed and managed.
    private enum Slot: Hashable {
        case digest(TokenDigest)
        case unmatchable(id: String)

        init(_ record: ClientTokenRecord) {
            self = TokenDigest(hex: record.tokenHash).map(Slot.digest) ?? .unmatchable(id: record.id)
        }
    }

    private let entriesBySlot = Mutex<[Slot: Entry]>([:])
    private let clock: any PoolClock
    /// Where the limiters' budgets come from: the whole budget with one process, leased slices with several.
    public let budgetMode: BudgetMode

    public init(clock: any PoolClock = SystemClock(), budgetMode: BudgetMode = .whole) {
        self.clock = clock
        self.budgetMode = budgetMode
    }

    public func load(_ records: [ClientTokenRecord]) {
        entriesBySlot.withLock { table in
            for record in records { table[Slot(record)] = Entry(record, mode: budgetMode) }
        }
    }

    public func add(_ record: ClientTokenRecord) {
        entriesBySlot.withLock { $0[Slot(record)] = Entry(record, mode: budgetMode) }
    }

    /// Adds a token, or (same id) replaces its record while keeping its counter, limiter and usage: how a
    /// policy change, here or from another instance's change log, takes effect.
    public func upsert(_ record: ClientTokenRecord) {
        entriesBySlot.withLock { table in
            let previous = table.first(where: { $0.value.record.id == record.id })
            if let previous { table[previous.key] = nil }
            table[Slot(record)] =
                previous.map { Entry(replacing: $0.value, with: record) } ?? Entry(record, mode: budgetMode)
        }
    }

    /// The token with this id, or nil.
    public func entry(id: String) -> Entry? {
        entriesBySlot.withLock { table in table.values.first { $0.record.id == id } }
    }

    /// Removes a token by id; returns whether it existed.
    @discardableResult
    public func remove(id: String) -> Bool {
        entriesBySlot.withLock { table in
            guard let hash = table.first(where: { $0.value.record.id == id })?.key else { return false }
            table[hash] = nil
            return true
        }
    }

    /// Checks a presented token for a route of `provider` and counts the request when it is accepted.
    public func authorize(_ presented: String?, provider: ProviderID) -> Result<Entry, Rejection> {
        var memo = TokenDigestMemo()
        return authorize(presented, provider: provider, memo: &memo)
    }

    /// ``authorize(_:provider:)`` with the digest taken from (and left in) a connection's `memo`.
    public func authorize(
        _ presented: String?, provider: ProviderID, memo: inout TokenDigestMemo
    ) -> Result<Entry, Rejection> {
        guard let presented, !presented.isEmpty else { return .failure(.missing) }
        let digest = memo.digest(of: presented)
        guard let entry = entriesBySlot.withLock({ $0[.digest(digest)] }) else { return .failure(.unknown) }
        if entry.record.expiresAt != nil, entry.record.isExpired(at: clock.now) { return .failure(.expired) }
        if let scope = entry.record.provider, scope != provider { return .failure(.wrongProvider(scope)) }
        entry.countRequest()
        return .success(entry)
    }

    /// Every token, oldest first.
    public func entries() -> [Entry] {
        entriesBySlot.withLock { Array($0.values) }.sorted {
            ($0.record.createdAt, $0.record.id) < ($1.record.createdAt, $1.record.id)
        }
    }

    public var count: Int { entriesBySlot.withLock { $0.count } }

    /// Request counts changed since the last call, as (token id, total).
    public func takeChangedCounts() -> [(id: String, count: Int)] {
        entries().compactMap { entry in entry.takeChanged() ? (entry.record.id, entry.requestCount) : nil }
    }

    /// Starts the limiters' period counters from the store's usage (at load).
    public func seed(usage: [TokenUsageTotals]) {
        let now = clock.now
        let byID = Dictionary(entries().map { ($0.record.id, $0) }, uniquingKeysWith: { first, _ in first })
        for totals in usage { byID[totals.tokenID]?.limiter.seed(totals, now: now) }
    }

    /// Usage counted since the last call, per token and UTC day, for the store.
    public func takeUsage() -> [TokenUsageDelta] {
        entries().flatMap { $0.limiter.takeUsage(tokenID: $0.record.id) }
    }

    /// Puts usage back that a failed flush could not write.
    public func restore(usage: [TokenUsageDelta]) {
        let byID = Dictionary(entries().map { ($0.record.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (id, deltas) in Dictionary(grouping: usage, by: \.tokenID) { byID[id]?.limiter.restore(deltas) }
    }
}
