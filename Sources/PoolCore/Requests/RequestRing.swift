/// The last `capacity` request records in memory (`REQUEST_LOG_SIZE`), oldest overwritten first. Not thread-safe:
/// its owner holds it under a lock and keeps each call short (an append is O(1)).
public struct RequestRing: Sendable {
    public let capacity: Int
    private var slots: [RequestRecord] = []
    /// Where the next record goes once the ring is full.
    private var next = 0

    public init(capacity: Int) {
        self.capacity = max(0, capacity)
        slots.reserveCapacity(min(self.capacity, 1024))
    }

    public var count: Int { slots.count }

    public mutating func append(_ record: RequestRecord) {
        guard capacity > 0 else { return }
        if slots.count < capacity {
            // Grown by doubling, but never past the capacity: 10,000 records would otherwise end in room for
            // 16,384, and the last growth would hold both copies at once.
            if slots.count == slots.capacity { slots.reserveCapacity(min(capacity, slots.capacity * 2)) }
            slots.append(record)
        } else {
            slots[next] = record
            next = (next + 1) % capacity
        }
    }

    /// Every record, oldest appended first.
    public var records: [RequestRecord] {
        Array(slots[next...] + slots[..<next])
    }

    /// The records `filter` wants, in no particular order.
    public func matching(_ filter: RequestFilter) -> [RequestRecord] {
        slots.filter(filter.matches)
    }

    /// One page of the records `filter` wants, newest first, strictly before `cursor`.
    public func page(_ filter: RequestFilter, limit: Int, before cursor: RequestCursor?) -> RequestPage {
        RequestPage(
            candidates: RequestPage.newest(slots.lazy.filter(filter.matches), before: cursor, limit: limit),
            limit: limit)
    }
}
