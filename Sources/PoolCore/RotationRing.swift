/// A set of key handles walked round-robin: O(1) insert, remove and membership, plus the cursor of the walk.
///
/// Removal swaps the last handle into the gap, so order is not stable; round-robin stays fair because every
/// handle is still visited once per lap of the cursor.
struct RotationRing {
    private(set) var handles: [Int] = []
    private var positions: [Int: Int] = [:]
    /// Where the next walk starts; wraps freely.
    var cursor: UInt = 0

    var count: Int { handles.count }
    var isEmpty: Bool { handles.isEmpty }

    func contains(_ handle: Int) -> Bool { positions[handle] != nil }

    mutating func insert(_ handle: Int) {
        guard positions[handle] == nil else { return }
        positions[handle] = handles.count
        handles.append(handle)
    }

    mutating func remove(_ handle: Int) {
        guard let index = positions.removeValue(forKey: handle) else { return }
        let last = handles.removeLast()
        if index < handles.count {
            handles[index] = last
            positions[last] = index
        }
    }
}
