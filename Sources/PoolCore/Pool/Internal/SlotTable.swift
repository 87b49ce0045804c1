/// Values by small integer handle, stored in one array indexed by the handle. Handles are handed out in
/// increasing order and never reused, so this is a dense table; a dictionary of 100,000 keys would cost its
/// load factor and power-of-two growth (up to 2.6 × the entries) on every byte of every slot.
struct SlotTable<Value> {
    private var storage: [Value?] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Room for handles up to `handleLimit` without regrowing (a bulk load knows how many it adds).
    /// Growth stays geometric, so a load in batches does not copy the table once per batch.
    mutating func reserveCapacity(handleLimit: Int) {
        if handleLimit > storage.capacity { storage.reserveCapacity(max(handleLimit, storage.capacity * 2)) }
    }

    subscript(handle: Int) -> Value? {
        get { handle >= 0 && handle < storage.count ? storage[handle] : nil }
        set {
            precondition(handle >= 0, "handles are not negative")
            if handle >= storage.count {
                guard newValue != nil else { return }
                storage.append(contentsOf: repeatElement(nil, count: handle - storage.count + 1))
            }
            count += (newValue != nil ? 1 : 0) - (storage[handle] != nil ? 1 : 0)
            storage[handle] = newValue
        }
    }

    /// Changes a present value in place; false when the handle holds nothing.
    @discardableResult
    mutating func update(_ handle: Int, _ change: (inout Value) -> Void) -> Bool {
        guard handle >= 0, handle < storage.count, storage[handle] != nil else { return false }
        change(&storage[handle]!)
        return true
    }

    /// The present values in handle order (which is the order they were added).
    var values: some Sequence<Value> { storage.lazy.compactMap { $0 } }
}
