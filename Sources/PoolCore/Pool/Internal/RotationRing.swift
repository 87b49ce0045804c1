/// A set of key handles walked round-robin: O(1) insert, remove and membership, plus the cursor of the walk.
///
/// Removal swaps the last handle into the gap, so order is not stable; round-robin stays fair because every
/// handle is still visited once per lap of the cursor.
struct RotationRing {
    private(set) var handles: [Int] = []
    /// Where each member sits in `handles`: dense (an array indexed by handle) for rings that hold most of a
    /// provider's keys, sparse (a dictionary) for per-model rings that hold a few.
    private var positions: Positions
    /// Where the next walk starts; wraps freely.
    var cursor: UInt = 0

    private enum Positions {
        case dense([Int32])
        case sparse([Int: Int])
    }

    init(dense: Bool = false) {
        positions = dense ? .dense([]) : .sparse([:])
    }

    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    func contains(_ handle: Int) -> Bool { position(of: handle) != nil }

    mutating func insert(_ handle: Int) {
        guard position(of: handle) == nil else { return }
        setPosition(handles.count, of: handle)
        handles.append(handle)
    }

    mutating func remove(_ handle: Int) {
        guard let index = position(of: handle) else { return }
        setPosition(nil, of: handle)
        let last = handles.removeLast()
        if index < handles.count {
            handles[index] = last
            setPosition(index, of: last)
        }
    }

    private func position(of handle: Int) -> Int? {
        switch positions {
        case .dense(let table):
            guard handle < table.count, table[handle] >= 0 else { return nil }
            return Int(table[handle])
        case .sparse(let table):
            return table[handle]
        }
    }

    private mutating func setPosition(_ position: Int?, of handle: Int) {
        switch positions {
        case .dense(var table):
            positions = .sparse([:])  // lets `table` be uniquely referenced while it changes
            if handle >= table.count {
                table.append(contentsOf: repeatElement(-1, count: max(handle + 1, table.count * 2) - table.count))
            }
            table[handle] = position.map { Int32($0) } ?? -1
            positions = .dense(table)
        case .sparse(var table):
            positions = .sparse([:])
            table[handle] = position
            positions = .sparse(table)
        }
    }
}
