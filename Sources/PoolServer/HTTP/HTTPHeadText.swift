import NIOCore

/// HTTP/1 heads written as bytes, in one capacity check and one pass: NIO's encoders spend ~180 instructions on
/// each name, value and separator (a capacity check and a copy call for each), and their `NIOAny` casts on top
/// (issue #13). The text is the caller's: names and values were checked where they came from (NIO's parser
/// refuses CR, LF and NUL in a client's or an upstream's field; the gateway's own are constants and key secrets
/// that `KeySecretRules` keeps free of control characters).
enum HTTPHeadText {
    /// The room a head is first written into; buffers for heads are made with at least this capacity.
    static let usualSize = 1024

    /// Appends what `render` puts to `buffer`, in one pass when it fits in ``usualSize`` bytes (or the room the
    /// buffer has); a longer head is counted on that pass and written again into room of its size, so `render`
    /// must put the same text each time it runs.
    static func write(into buffer: inout ByteBuffer, _ render: (inout Sink) -> Void) {
        var needed: Int?
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: usualSize) { raw in
            var copy = Sink(base: raw.baseAddress!, limit: raw.count)
            render(&copy)
            guard copy.fits else {
                needed = copy.offset
                return 0
            }
            return copy.offset
        }
        guard let needed else { return }
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: needed) { raw in
            var copy = Sink(base: raw.baseAddress!, limit: raw.count)
            render(&copy)
            precondition(copy.fits, "an HTTP head's text changed between two runs of its rendering")
            return copy.offset
        }
    }

    /// Copies the text while it fits in `limit` bytes, and counts it all.
    struct Sink {
        fileprivate let base: UnsafeMutableRawPointer
        fileprivate let limit: Int
        fileprivate private(set) var offset = 0
        /// Everything put so far was copied.
        fileprivate var fits: Bool { offset <= limit }

        fileprivate init(base: UnsafeMutableRawPointer, limit: Int) {
            self.base = base
            self.limit = limit
        }

        mutating func put(_ text: String) {
            var text = text
            text.withUTF8 { bytes in
                if let source = bytes.baseAddress, offset + bytes.count <= limit {
                    (base + offset).copyMemory(from: source, byteCount: bytes.count)
                }
                offset += bytes.count
            }
        }

        mutating func put(_ text: StaticString) {
            let count = text.utf8CodeUnitCount
            if offset + count <= limit { (base + offset).copyMemory(from: text.utf8Start, byteCount: count) }
            offset += count
        }

        /// `name: value` and its line end.
        mutating func field(_ name: String, _ value: String) {
            put(name)
            put(": ")
            put(value)
            put("\r\n")
        }
    }
}
