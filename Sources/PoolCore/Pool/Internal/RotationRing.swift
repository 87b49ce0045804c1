/// A multiset of key handles walked round-robin: O(1) insert, remove and membership for a key of weight 1, O(w)
/// for a key of weight w, plus the cursor of the walk.
///
/// A key of weight w holds w places. Each lap of the cursor visits every place once, so it gives every key
/// exactly its weight in picks. A weighted key's places are scattered when inserted (each new place swaps with a
/// random existing one) so its picks spread over the lap instead of coming in a run. Removal swaps the last place
/// into the gap, so order is not stable; round-robin stays fair because every place is still visited once per lap.
/// Keys of weight 1 are placed exactly as before weights existed (appended, never scattered).
struct RotationRing {
    /// The handle at each place, in 32 bits like `positions`: the ring of every key holds one place per key.
    private(set) var handles: [Int32] = []
    /// Where each single-place member sits in `handles`: dense (an array indexed by handle) for rings that hold
    /// most of a provider's keys, sparse (a dictionary) for per-model rings that hold a few.
    private var positions: Positions
    /// The places of members of weight above 1, by handle; empty when every key has weight 1.
    private var multiPlaces: [Int: [Int]] = [:]
    /// Where the next walk starts; wraps freely.
    var cursor: UInt = 0

    private enum Positions {
        case dense([Int32])
        case sparse([Int: Int])
    }

    init(dense: Bool = false) {
        positions = dense ? .dense([]) : .sparse([:])
    }

    /// Places, not keys: a key of weight w counts w times.
    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    func contains(_ handle: Int) -> Bool { position(of: handle) != nil || multiPlaces[handle] != nil }

    /// Adds `handle` with `weight` places; a member already present is left as it is.
    mutating func insert(_ handle: Int, weight: Int = 1) {
        guard !contains(handle) else { return }
        guard weight > 1 else {
            setPosition(handles.count, of: handle)
            handles.append(Int32(handle))
            return
        }
        var places: [Int] = []
        places.reserveCapacity(weight)
        for _ in 0..<weight {
            let end = handles.count
            handles.append(Int32(handle))
            let swapWith = Int.random(in: 0...end)
            if swapWith != end, Int(handles[swapWith]) != handle {
                let other = handles[swapWith]
                handles[swapWith] = Int32(handle)
                handles[end] = other
                movePlace(of: Int(other), from: swapWith, to: end)
                places.append(swapWith)
            } else {
                places.append(end)
            }
        }
        multiPlaces[handle] = places
    }

    /// Removes every place of `handle`.
    mutating func remove(_ handle: Int) {
        if let index = position(of: handle) {
            setPosition(nil, of: handle)
            removePlace(at: index)
        } else if let places = multiPlaces.removeValue(forKey: handle) {
            // Highest first: a gap is then never filled by one of this key's own remaining places.
            for index in places.sorted(by: >) { removePlace(at: index) }
        }
    }

    /// Drops the place at `index` by moving the last place into it.
    private mutating func removePlace(at index: Int) {
        let last = handles.removeLast()
        guard index < handles.count else { return }
        handles[index] = last
        movePlace(of: Int(last), from: handles.count, to: index)
    }

    /// Records that a place of `handle` moved from `old` to `new`.
    private mutating func movePlace(of handle: Int, from old: Int, to new: Int) {
        if position(of: handle) != nil {
            setPosition(new, of: handle)
        } else if var places = multiPlaces[handle], let slot = places.firstIndex(of: old) {
            multiPlaces[handle] = nil  // lets `places` be uniquely referenced while it changes
            places[slot] = new
            multiPlaces[handle] = places
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
                guard position != nil else {
                    positions = .dense(table)
                    return
                }
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
