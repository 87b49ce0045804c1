import Testing

@testable import PoolServer

@Suite("Bearer tokens and request ids")
struct BearerTokenTests {
    @Test("the token after a case-insensitive Bearer scheme, blanks around it trimmed")
    func bearer() {
        #expect(BearerToken.from(authorization: "Bearer sk-abc") == "sk-abc")
        #expect(BearerToken.from(authorization: " \tbEaReR   sk-abc \t") == "sk-abc")
        #expect(BearerToken.from(authorization: "Bearer sk-ä€") == "sk-ä€")
        #expect(BearerToken.from(authorization: "Bearer ") == nil)
        #expect(BearerToken.from(authorization: "Bearer    ") == nil)
        #expect(BearerToken.from(authorization: "Bearer\tsk-abc") == nil)
        #expect(BearerToken.from(authorization: "Basic dXNlcjpwYXNz") == nil)
        #expect(BearerToken.from(authorization: "sk-abc") == nil)
        #expect(BearerToken.from(authorization: nil) == nil)
    }

    @Test("request ids: 15 lower-case hex digits, one process prefix, a counter after it")
    func requestIDs() {
        let ids = (0..<1000).map { _ in RequestIDs.next() }
        #expect(Set(ids).count == ids.count)
        for id in ids {
            #expect(id.utf8.count == 15)
            #expect(id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            #expect(id.prefix(7) == ids[0].prefix(7))
        }
        let first = UInt32(ids[0].suffix(8), radix: 16)!
        let second = UInt32(ids[1].suffix(8), radix: 16)!
        #expect(second &- first >= 1)
    }
}
