import Foundation
import Synchronization

/// Client tokens in memory, looked up by the hash of what a client presents.
public final class TokenRegistry: Sendable {
    /// One token's record with its request counter.
    public final class Entry: Sendable {
        public let record: ClientTokenRecord
        private let requests: Atomic<Int>
        private let dirty = Atomic<Bool>(false)

        init(_ record: ClientTokenRecord) {
            self.record = record
            requests = Atomic(record.requestCount)
        }

        public var requestCount: Int { requests.load(ordering: .relaxed) }

        public func countRequest() {
            requests.add(1, ordering: .relaxed)
            dirty.store(true, ordering: .releasing)
        }

        func takeChanged() -> Bool { dirty.exchange(false, ordering: .acquiringAndReleasing) }
    }

    /// Why a presented token does not open a route.
    public enum Rejection: Error, Equatable, Sendable {
        case missing
        case unknown
        case expired
        case wrongProvider(ProviderID)
    }

    private let byHash = Mutex<[String: Entry]>([:])
    private let clock: any PoolClock

    public init(clock: any PoolClock = SystemClock()) {
        self.clock = clock
    }

    public func load(_ records: [ClientTokenRecord]) {
        byHash.withLock { table in
            for record in records { table[record.tokenHash] = Entry(record) }
        }
    }

    public func add(_ record: ClientTokenRecord) {
        byHash.withLock { $0[record.tokenHash] = Entry(record) }
    }

    /// Removes a token by id; returns whether it existed.
    @discardableResult
    public func remove(id: String) -> Bool {
        byHash.withLock { table in
            guard let hash = table.first(where: { $0.value.record.id == id })?.key else { return false }
            table[hash] = nil
            return true
        }
    }

    /// Checks a presented token for a route of `provider` and counts the request when it is accepted.
    public func authorize(_ presented: String?, provider: ProviderID) -> Result<Entry, Rejection> {
        guard let presented, !presented.isEmpty else { return .failure(.missing) }
        let hash = ClientTokenFactory.hash(presented)
        guard let entry = byHash.withLock({ $0[hash] }) else { return .failure(.unknown) }
        if entry.record.isExpired(at: clock.now) { return .failure(.expired) }
        if let scope = entry.record.provider, scope != provider { return .failure(.wrongProvider(scope)) }
        entry.countRequest()
        return .success(entry)
    }

    /// Every token, oldest first.
    public func entries() -> [Entry] {
        byHash.withLock { Array($0.values) }.sorted {
            ($0.record.createdAt, $0.record.id) < ($1.record.createdAt, $1.record.id)
        }
    }

    public var count: Int { byHash.withLock { $0.count } }

    /// Request counts changed since the last call, as (token id, total).
    public func takeChangedCounts() -> [(id: String, count: Int)] {
        entries().compactMap { entry in entry.takeChanged() ? (entry.record.id, entry.requestCount) : nil }
    }
}
