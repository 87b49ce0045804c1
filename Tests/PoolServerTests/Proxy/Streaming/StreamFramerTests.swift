import NIOCore
import PoolCore
import Testing

@testable import PoolServer

@Suite("Stream framing")
struct StreamFramerTests {
    func feed(_ framing: StreamFraming, _ pieces: [String]) -> [String] {
        var framer = StreamFramer(framing: framing)
        var out: [String] = []
        for piece in pieces {
            if let complete = framer.frame(ByteBuffer(string: piece)) { out.append(String(buffer: complete)) }
        }
        if let rest = framer.finish() { out.append(String(buffer: rest)) }
        return out
    }

    @Test("whole events pass through untouched, one write per read")
    func wholeEvents() {
        #expect(
            feed(.serverSentEvents, ["data: a\n\ndata: b\n\n", "data: c\n\n"]) == [
                "data: a\n\ndata: b\n\n", "data: c\n\n",
            ])
    }

    @Test("an event split across reads goes out once complete; complete ones are not held back")
    func splitEvent() {
        #expect(
            feed(.serverSentEvents, ["data: a\n\ndata: b", "b\n", "\ndata: c\n\n"]) == [
                "data: a\n\n", "data: bb\n\ndata: c\n\n",
            ])
    }

    @Test("CRLF event boundaries are recognised")
    func crlf() {
        #expect(
            feed(.serverSentEvents, ["data: a\r\n\r\ndata: b\r", "\n\r\n"]) == ["data: a\r\n\r\n", "data: b\r\n\r\n"])
    }

    @Test("NDJSON is cut at line ends")
    func jsonLines() {
        #expect(
            feed(.jsonLines, ["{\"a\":1}\n{\"b\"", ":2}\n", "{\"c\":3}"]) == [
                "{\"a\":1}\n", "{\"b\":2}\n", "{\"c\":3}",
            ])
    }

    @Test("a single newline does not end an SSE event")
    func singleNewline() {
        #expect(feed(.serverSentEvents, ["event: x\n", "data: y\n\n"]) == ["event: x\ndata: y\n\n"])
    }

    @Test("an endless event is sent rather than held without bound")
    func boundedHold() {
        var framer = StreamFramer(framing: .serverSentEvents)
        let big = String(repeating: "x", count: StreamFramer.maximumHeldBytes + 1)
        #expect(framer.frame(ByteBuffer(string: big))?.readableBytes == big.utf8.count)
        #expect(framer.finish() == nil)
    }
}
