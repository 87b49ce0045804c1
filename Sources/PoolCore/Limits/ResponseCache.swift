import Foundation
import Synchronization

/// Non-streamed upstream answers kept for a while (`RESPONSE_CACHE_TTL`, per-token override), bounded by bytes
/// (`RESPONSE_CACHE_BYTES`): the least recently used entries go first. Lookups and stores are one critical
/// section each; the least-recently-used order is an index-linked list in one array, so neither allocates per
/// node.
public final class ResponseCache: Sendable {
    /// Most bytes (``CachedResponse/cost``) held at once.
    public let capacityBytes: Int
    private let state: Mutex<State>

    public init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
        state = Mutex(State())
    }

    /// The fresh answer for `key`, counted as a hit, or nil (a miss; an expired entry is dropped).
    public func lookup(_ key: ResponseCacheKey, now: Date) -> CachedResponse? {
        state.withLock { state in
            guard let slot = state.index[key] else {
                state.misses += 1
                return nil
            }
            guard state.slots[slot].expiresAt > now else {
                state.remove(slot: slot)
                state.expired += 1
                state.misses += 1
                return nil
            }
            state.moveToFront(slot)
            state.hits += 1
            return state.slots[slot].response
        }
    }

    /// Keeps `response` for `ttl` seconds, evicting the least recently used entries to make room. An answer
    /// larger than the whole cache is not kept.
    /// - Returns: whether it was stored.
    @discardableResult
    public func store(_ response: CachedResponse, for key: ResponseCacheKey, ttl: TimeInterval, now: Date) -> Bool {
        let cost = response.cost
        guard ttl > 0, cost <= capacityBytes else { return false }
        return state.withLock { state in
            if let existing = state.index[key] { state.remove(slot: existing) }
            while state.bytes + cost > capacityBytes, let last = state.tail {
                state.remove(slot: last)
                state.evictions += 1
            }
            state.insertAtFront(Slot(key: key, response: response, cost: cost, expiresAt: now.addingTimeInterval(ttl)))
            state.stores += 1
            return true
        }
    }

    /// Drops entries: all, or only a provider's, or only one token's (its own scope).
    /// - Returns: how many were dropped.
    @discardableResult
    public func clear(provider: ProviderID? = nil, tokenID: String? = nil) -> Int {
        state.withLock { state in
            let doomed = state.index.filter { key, _ in
                (provider == nil || key.provider == provider) && (tokenID == nil || key.scope == tokenID)
            }
            for slot in doomed.values { state.remove(slot: slot) }
            return doomed.count
        }
    }

    /// Counters and size.
    public func statistics() -> ResponseCacheStatistics {
        state.withLock { state in
            ResponseCacheStatistics(
                entries: state.index.count, bytes: state.bytes, capacityBytes: capacityBytes, hits: state.hits,
                misses: state.misses, stores: state.stores, evictions: state.evictions, expired: state.expired
            )
        }
    }

    /// An entry and its neighbours in the recency list (indices into `slots`; -1 for none).
    struct Slot {
        var key: ResponseCacheKey
        var response: CachedResponse
        var cost: Int
        var expiresAt: Date
        var previous = -1
        var next = -1
    }

    struct State {
        var slots: [Slot] = []
        var free: [Int] = []
        var index: [ResponseCacheKey: Int] = [:]
        var head: Int?
        var tail: Int?
        var bytes = 0
        var hits = 0
        var misses = 0
        var stores = 0
        var evictions = 0
        var expired = 0

        mutating func insertAtFront(_ slot: Slot) {
            var slot = slot
            slot.previous = -1
            slot.next = head ?? -1
            let position: Int
            if let reused = free.popLast() {
                slots[reused] = slot
                position = reused
            } else {
                slots.append(slot)
                position = slots.count - 1
            }
            if let head { slots[head].previous = position }
            head = position
            if tail == nil { tail = position }
            index[slot.key] = position
            bytes += slot.cost
        }

        mutating func unlink(_ position: Int) {
            let previous = slots[position].previous
            let next = slots[position].next
            if previous >= 0 { slots[previous].next = next } else { head = next >= 0 ? next : nil }
            if next >= 0 { slots[next].previous = previous } else { tail = previous >= 0 ? previous : nil }
        }

        mutating func remove(slot position: Int) {
            unlink(position)
            index[slots[position].key] = nil
            bytes -= slots[position].cost
            slots[position].response = CachedResponse(headers: [], body: [])
            free.append(position)
        }

        mutating func moveToFront(_ position: Int) {
            guard head != position else { return }
            unlink(position)
            slots[position].previous = -1
            slots[position].next = head ?? -1
            if let head { slots[head].previous = position }
            head = position
            if tail == nil { tail = position }
        }
    }
}

/// What `GET /admin/cache/stats` shows of the response cache.
public struct ResponseCacheStatistics: Sendable, Equatable, Encodable {
    public var entries: Int
    public var bytes: Int
    public var capacityBytes: Int
    public var hits: Int
    public var misses: Int
    public var stores: Int
    public var evictions: Int
    public var expired: Int
}
