import NIOHTTP1
import Testing

@testable import PoolServer

@Suite("Client head fields")
struct ClientHeadFieldsTests {
    @Test("one pass finds the fields a proxied request reads, names in any case, first values first")
    func fields() {
        let headers = HTTPHeaders([
            ("Host", "gw"), ("AUTHORIZATION", "Bearer sk-1"), ("authorization", "Bearer sk-2"), ("X-Api-Key", "k"),
            ("x-request-id", "r-1"), ("X-Request-ID", "r-2"), ("X-Forwarded-For", "10.0.0.1"),
            ("x-forwarded-for", "10.0.0.2, 10.0.0.3"), ("Origin", "https://app"), ("host", "second"),
        ])
        let fields = ClientHeadFields(headers)
        #expect(fields.authorization == "Bearer sk-1")
        #expect(fields.presentedToken == "sk-1")
        #expect(fields.apiKey == "k")
        #expect(fields.requestID == "r-1")
        #expect(fields.forwardedFor == ["10.0.0.1", "10.0.0.2, 10.0.0.3"])
        #expect(fields.hasOrigin)
        // The first Host becomes the authority and is not counted; a second one is.
        #expect(fields.fieldCount == headers.count - 1)
        let bytes = headers.dropFirst().reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        #expect(fields.fieldBytes == bytes)
    }

    @Test("x-api-key serves when no Bearer token comes; nothing is found in a head without them")
    func fallbacks() {
        let basic = ClientHeadFields(HTTPHeaders([("authorization", "Basic abc"), ("x-api-key", "k")]))
        #expect(basic.presentedToken == "k")
        let none = ClientHeadFields(HTTPHeaders([("content-type", "application/json")]))
        #expect(none.presentedToken == nil && none.requestID == nil && !none.hasOrigin && none.forwardedFor.isEmpty)
        #expect(none.fieldCount == 1)
    }
}
