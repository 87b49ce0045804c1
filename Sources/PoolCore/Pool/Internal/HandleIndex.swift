/// Finds a key's handle by a text the key already holds (its id or its secret) without storing the text again:
/// an open-addressing table of 4-byte handles, where a probe asks the caller whether a handle's text matches.
/// A `[String: Int]` of 100,000 keys costs about 6 MB; this costs 1 MB.
struct HandleIndex {
    private static let empty: Int32 = -1
    private static let deleted: Int32 = -2

    private var buckets: [Int32] = []
    /// Handles present.
    private(set) var count = 0
    /// Handles present plus deleted markers: what lengthens probes.
    private var occupied = 0

    var capacity: Int { buckets.count / 2 }

    /// The handle whose text is `text`; `matches` tells whether a candidate handle's text equals it.
    func find(_ text: String, matches: (Int) -> Bool) -> Int? {
        guard !buckets.isEmpty else { return nil }
        let mask = buckets.count - 1
        var index = text.hashValue & mask
        while true {
            let handle = buckets[index]
            if handle == Self.empty { return nil }
            if handle >= 0, matches(Int(handle)) { return Int(handle) }
            index = (index + 1) & mask
        }
    }

    /// Adds a handle whose text is not in the index yet; `textOf` gives any present handle's text for regrowth.
    mutating func insert(_ text: String, handle: Int, textOf: (Int) -> String) {
        precondition(handle >= 0 && handle <= Int(Int32.max), "handle out of range")
        if (occupied + 1) * 2 > buckets.count { regrow(minimumCount: count + 1, textOf: textOf) }
        let mask = buckets.count - 1
        var index = text.hashValue & mask
        while buckets[index] >= 0 { index = (index + 1) & mask }
        if buckets[index] == Self.empty { occupied += 1 }
        buckets[index] = Int32(handle)
        count += 1
    }

    /// Removes the handle `handle`, filed under `text`.
    mutating func remove(_ text: String, handle: Int) {
        guard !buckets.isEmpty else { return }
        let mask = buckets.count - 1
        var index = text.hashValue & mask
        while buckets[index] != Self.empty {
            if buckets[index] == Int32(handle) {
                buckets[index] = Self.deleted
                count -= 1
                return
            }
            index = (index + 1) & mask
        }
    }

    /// Room for `minimumCount` handles without regrowing.
    mutating func reserveCapacity(_ minimumCount: Int, textOf: (Int) -> String) {
        if minimumCount > capacity { regrow(minimumCount: minimumCount, textOf: textOf) }
    }

    /// Rebuilds at a power of two at least twice the handles (load at most one half), dropping deleted markers.
    private mutating func regrow(minimumCount: Int, textOf: (Int) -> String) {
        var size = 16
        while size < minimumCount * 2 { size *= 2 }
        let old = buckets
        buckets = Array(repeating: Self.empty, count: size)
        occupied = 0
        count = 0
        let mask = size - 1
        for handle in old where handle >= 0 {
            var index = textOf(Int(handle)).hashValue & mask
            while buckets[index] != Self.empty { index = (index + 1) & mask }
            buckets[index] = handle
            occupied += 1
            count += 1
        }
    }
}
