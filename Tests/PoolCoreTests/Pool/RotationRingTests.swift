import Testing

@testable import PoolCore

@Suite("Rotation ring")
struct RotationRingTests {
    /// How many places each handle holds.
    func placeCounts(_ ring: RotationRing) -> [Int: Int] {
        ring.handles.reduce(into: [:]) { $0[Int($1), default: 0] += 1 }
    }

    @Test("agrees with a weight table through random weighted inserts and removals", arguments: [true, false])
    func agreesWithModel(dense: Bool) {
        var ring = RotationRing(dense: dense)
        var model: [Int: Int] = [:]
        for step in 0..<4_000 {
            let handle = Int.random(in: 0..<300)
            if model[handle] != nil, step % 3 != 0 {
                ring.remove(handle)
                model[handle] = nil
            } else if model[handle] == nil {
                let weight = Bool.random() ? 1 : Int.random(in: 1...100)
                ring.insert(handle, weight: weight)
                model[handle] = weight
            }
            if step % 250 == 0 {
                #expect(placeCounts(ring) == model)
            }
        }
        #expect(placeCounts(ring) == model)
        #expect(ring.count == model.values.reduce(0, +))
        for handle in 0..<300 { #expect(ring.contains(handle) == (model[handle] != nil)) }
        for handle in model.keys { ring.remove(handle) }
        #expect(ring.isEmpty)
    }

    @Test("keys of weight 1 keep their insertion order, as before weights existed")
    func weightOneOrder() {
        var ring = RotationRing(dense: true)
        for handle in [4, 0, 9, 2] { ring.insert(handle) }
        #expect(ring.handles == [4, 0, 9, 2])
        ring.insert(9, weight: 5)
        #expect(ring.handles == [4, 0, 9, 2])
        ring.remove(0)
        #expect(ring.handles == [4, 2, 9])
    }
}
