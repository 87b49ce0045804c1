import Foundation
import NIOCore
import NIOHTTP1
import PoolCore
import Synchronization

/// Model lists (`/v1/models`, `/api/tags`) per provider, fetched with a healthy key and kept for a while, so
/// clients that list models on every start do not spend pool keys each time. A failed refresh serves the stale
/// list rather than an error.
public final class ModelListCache: Sendable {
    struct Entry: Sendable {
        var status: HTTPResponseStatus
        /// The relayed headers, without the pool's own.
        var headers: HTTPHeaders
        var body: ByteBuffer
        var fetchedAt: Date
    }

    private struct Counters {
        var hits = 0
        var misses = 0
        var staleServed = 0
        var refreshFailures = 0
    }

    /// Seconds an entry is fresh; 0 turns caching off.
    public let ttl: TimeInterval
    private let entries = Mutex<[String: Entry]>([:])
    private let counters = Mutex(Counters())

    public init(ttl: TimeInterval) {
        self.ttl = ttl
    }

    static func key(provider: ProviderID, path: String) -> String { provider.rawValue + " " + path }

    /// A fresh entry, counted as a hit; nil (counted as a miss) when absent or old.
    func fresh(_ key: String, now: Date) -> Entry? {
        guard ttl > 0 else { return nil }
        let entry = entries.withLock { $0[key] }
        guard let entry, now.timeIntervalSince(entry.fetchedAt) < ttl else {
            counters.withLock { $0.misses += 1 }
            return nil
        }
        counters.withLock { $0.hits += 1 }
        return entry
    }

    /// A fresh entry without counting a hit or a miss (a single model's lookup reads the list it holds).
    func peekFresh(_ key: String, now: Date) -> Entry? {
        guard ttl > 0, let entry = entries.withLock({ $0[key] }), now.timeIntervalSince(entry.fetchedAt) < ttl else {
            return nil
        }
        return entry
    }

    /// The last good entry whatever its age, for when a refresh fails.
    func stale(_ key: String) -> Entry? {
        guard ttl > 0, let entry = entries.withLock({ $0[key] }) else { return nil }
        counters.withLock { $0.staleServed += 1 }
        return entry
    }

    func store(_ key: String, _ entry: Entry) {
        guard ttl > 0 else { return }
        entries.withLock { $0[key] = entry }
    }

    func recordRefreshFailure() {
        counters.withLock { $0.refreshFailures += 1 }
    }

    /// Forgets entries (of one provider, or all); returns how many.
    @discardableResult
    public func clear(provider: ProviderID? = nil) -> Int {
        entries.withLock { table in
            let doomed = table.keys.filter { key in provider.map { key.hasPrefix($0.rawValue + " ") } ?? true }
            for key in doomed { table[key] = nil }
            return doomed.count
        }
    }

    struct Snapshot: Encodable {
        struct Item: Encodable {
            var provider: String
            var path: String
            var bytes: Int
            var ageSeconds: Int
            var fresh: Bool
        }

        var ttlSeconds: Double
        var entries: [Item]
        var hits: Int
        var misses: Int
        var staleServed: Int
        var refreshFailures: Int
    }

    func snapshot(now: Date) -> Snapshot {
        let items = entries.withLock { table in
            table.map { key, entry in
                let parts = key.split(separator: " ", maxSplits: 1).map(String.init)
                let age = now.timeIntervalSince(entry.fetchedAt)
                return Snapshot.Item(
                    provider: parts.first ?? "", path: parts.count > 1 ? parts[1] : "", bytes: entry.body.readableBytes,
                    ageSeconds: Int(age), fresh: age < ttl
                )
            }
        }.sorted { ($0.provider, $0.path) < ($1.provider, $1.path) }
        let counters = self.counters.withLock { $0 }
        return Snapshot(
            ttlSeconds: ttl, entries: items, hits: counters.hits, misses: counters.misses,
            staleServed: counters.staleServed, refreshFailures: counters.refreshFailures
        )
    }
}
