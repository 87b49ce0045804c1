import PoolCore
import Testing

@Suite("Hex encoding")
struct HexEncodingTests {
    @Test("bytes survive a round trip through hex")
    func roundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]
        #expect(bytes.hexString == "00017f80abff")
        #expect([UInt8](hexString: bytes.hexString) == bytes)
        #expect([UInt8](hexString: "00017F80ABFF") == bytes)
        #expect([UInt8](hexString: "") == [])
    }

    @Test("odd lengths and non-hex characters are refused", arguments: ["0", "abc", "0g", "zz", " 00", "00 ", "+1"])
    func malformed(text: String) {
        #expect([UInt8](hexString: text) == nil)
    }
}
