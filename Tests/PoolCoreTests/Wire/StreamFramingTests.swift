import PoolCore
import Testing

@Suite("Stream framing boundaries")
struct StreamFramingTests {
    func end(_ framing: StreamFraming, _ text: String, from start: Int = 0) -> Int? {
        Array(text.utf8).withUnsafeBytes { framing.completeLength(of: $0, searchingFrom: start) }
    }

    @Test("an SSE event ends at a blank line (LF or CRLF); the last complete one counts")
    func serverSentEvents() {
        #expect(end(.serverSentEvents, "data: a\n\ndata: b\n\ndata: c") == 18)
        #expect(end(.serverSentEvents, "data: a\r\n\r\n") == 11)
        #expect(end(.serverSentEvents, "data: a\ndata: b\n") == nil)
        #expect(end(.serverSentEvents, "") == nil)
        #expect(end(.serverSentEvents, "\n") == nil)
        #expect(end(.serverSentEvents, "\n\n") == 2)
    }

    @Test("a JSON line ends at its newline")
    func jsonLines() {
        #expect(end(.jsonLines, #"{"a":1}"# + "\n" + #"{"b""#) == 8)
        #expect(end(.jsonLines, #"{"a":1}"#) == nil)
    }

    @Test("searching from the held tail's length finds an end completed by the new bytes, lookback included")
    func incremental() {
        // The tail "data: a\n" held no end; the new "\n" completes one whose first half is in the tail.
        #expect(end(.serverSentEvents, "data: a\n\n", from: 8) == 9)
        #expect(end(.serverSentEvents, "data: a\n\r\n", from: 9) == 10)
        // An end wholly inside the searched-past part is not looked for again.
        #expect(end(.jsonLines, "a\nbc", from: 2) == nil)
    }
}
