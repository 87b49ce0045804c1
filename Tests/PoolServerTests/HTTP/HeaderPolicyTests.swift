import NIOHTTP1
import Testing

@testable import PoolServer

/// Which client headers go upstream: names compared without regard to case, as HTTP compares them.
@Suite("Header policy")
struct HeaderPolicyTests {
    private func forwarded(_ fields: [(String, String)]) -> (names: [String], hasContentType: Bool) {
        var headers: [(String, String)] = []
        let hasContentType = HeaderPolicy.addUpstreamHeaders(from: HTTPHeaders(fields), to: &headers)
        return (headers.map(\.0), hasContentType)
    }

    @Test("hop-by-hop, credentials, the gateway's own and browser headers stay behind, in any case")
    func droppedInAnyCase() {
        let dropped = [
            "Connection", "KEEP-ALIVE", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host",
            "Content-Length", "Authorization", "X-Api-Key", "Accept-Encoding", "X-Request-ID", "Cookie", "Forwarded",
            "X-Forwarded-For", "x-forwarded-host", "X-Forwarded-Proto", "X-Real-IP", "HTTP-Referer", "X-Title",
            "X-Pool-Anything", "Sec-Fetch-Mode", "Access-Control-Request-Method", "Origin", "Proxy-Authorization",
        ]
        let result = forwarded(dropped.map { ($0, "v") } + [("User-Agent", "sdk/1"), ("OpenAI-Beta", "x")])
        #expect(result.names == ["User-Agent", "OpenAI-Beta"])
        #expect(!result.hasContentType)
    }

    @Test("headers the client's Connection names are hop-by-hop too")
    func namedInConnection() {
        let result = forwarded([
            ("Connection", "keep-alive, X-Hop , x-other"), ("x-hop", "1"), ("X-OTHER", "2"), ("X-Kept", "3"),
        ])
        #expect(result.names == ["X-Kept"])
    }

    @Test("a value with a control character is not forwarded; a tab is fine; the content type is noticed")
    func controlCharacters() {
        let result = forwarded([
            ("X-Bad", "a\u{01}b"), ("X-Del", "a\u{7f}"), ("X-Tab", "a\tb"), ("Content-TYPE", "application/json"),
        ])
        #expect(result.names == ["X-Tab", "Content-TYPE"])
        #expect(result.hasContentType)
    }

    @Test("names that only look like dropped ones pass")
    func lookalikes() {
        let result = forwarded([("X-Pool", "1"), ("Hosts", "2"), ("sec", "3"), ("Originator", "4"), ("cookies", "5")])
        #expect(result.names == ["X-Pool", "Hosts", "sec", "Originator", "cookies"])
    }
}
