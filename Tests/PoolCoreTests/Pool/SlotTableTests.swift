import Testing

@testable import PoolCore

@Suite("Slot table")
struct SlotTableTests {
    @Test("values by handle across pages: set, replace, clear, update in place, in handle order")
    func acrossPages() {
        var table = SlotTable<String>()
        let size = SlotTable<String>.pageSize
        #expect(table.isEmpty && table[0] == nil && table[-1] == nil && table[size * 3] == nil)
        table.reserveCapacity(handleLimit: size * 2 + 1)
        for handle in [0, 1, size - 1, size, size * 2 + 5] { table[handle] = "v\(handle)" }
        #expect(table.count == 5)
        #expect(table[size] == "v\(size)" && table[size * 2 + 5] == "v\(size * 2 + 5)")
        #expect(table[size * 2 + 4] == nil && table[size * 2 + 6] == nil && table[size * 3] == nil)
        table[1] = "again"
        table[size - 1] = nil
        table[size * 5] = nil  // clearing past the end adds nothing
        #expect(table.count == 4)
        #expect(table.update(size) { $0 += "!" })
        #expect(!table.update(size - 1) { $0 += "!" })
        #expect(!table.update(size * 9) { $0 += "!" })
        #expect(Array(table.values) == ["v0", "again", "v\(size)!", "v\(size * 2 + 5)"])
    }

    @Test("a key's slot stays at 80 bytes: its one-byte fields fill the optional date's padding")
    func slotSize() {
        #expect(MemoryLayout<KeyHealth>.size <= 48)
        #expect(MemoryLayout<ProviderRotation.Slot?>.stride <= 80)
    }
}
