/// Values by small integer handle. Handles are handed out in increasing order and never reused, so this is a
/// dense table: a dictionary of 100,000 keys would cost its load factor and power-of-two growth (up to 2.6 × the
/// entries) on every byte of every slot. It is kept in pages of `pageSize` slots rather than one array: growing
/// adds a page instead of copying the whole table into one twice its size, which with 100,000 keys left up to
/// 31 % of it empty and, while copying, held both copies at once.
struct SlotTable<Value> {
    static var pageShift: Int { 12 }
    static var pageSize: Int { 1 << pageShift }

    private var pages: [[Value?]] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Room for handles up to `handleLimit` without adding pages later (a bulk load knows how many it adds).
    mutating func reserveCapacity(handleLimit: Int) {
        let pagesNeeded = (handleLimit + Self.pageSize - 1) >> Self.pageShift
        if pagesNeeded > pages.capacity { pages.reserveCapacity(max(pagesNeeded, pages.capacity * 2)) }
    }

    subscript(handle: Int) -> Value? {
        get {
            let page = handle >> Self.pageShift
            guard handle >= 0, page < pages.count else { return nil }
            return pages[page][handle & (Self.pageSize - 1)]
        }
        set {
            precondition(handle >= 0, "handles are not negative")
            let page = handle >> Self.pageShift
            if page >= pages.count {
                guard newValue != nil else { return }
                while pages.count <= page { pages.append(Array(repeating: nil, count: Self.pageSize)) }
            }
            let index = handle & (Self.pageSize - 1)
            count += (newValue != nil ? 1 : 0) - (pages[page][index] != nil ? 1 : 0)
            pages[page][index] = newValue
        }
    }

    /// Changes a present value in place; false when the handle holds nothing.
    @discardableResult
    mutating func update(_ handle: Int, _ change: (inout Value) -> Void) -> Bool {
        let page = handle >> Self.pageShift
        guard handle >= 0, page < pages.count else { return false }
        let index = handle & (Self.pageSize - 1)
        guard pages[page][index] != nil else { return false }
        change(&pages[page][index]!)
        return true
    }

    /// The present values in handle order (which is the order they were added).
    var values: some Sequence<Value> { pages.lazy.flatMap { $0 }.compactMap { $0 } }
}
