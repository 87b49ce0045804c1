import NIOCore

/// Cuts a relayed stream at event (SSE) or line (NDJSON) boundaries, so a client never receives half an event:
/// complete events go out as soon as their last byte arrives, an unfinished tail waits for the rest.
struct StreamFramer {
    /// An unfinished event longer than this is sent anyway rather than held without bound.
    static let maximumHeldBytes = 1 << 20

    let framing: ProxyRoute.StreamFraming
    private var held: ByteBuffer?

    init(framing: ProxyRoute.StreamFraming) {
        self.framing = framing
    }

    /// What of `chunk` (with any held bytes in front) can go to the client now; nil when nothing is complete yet.
    mutating func frame(_ chunk: ByteBuffer) -> ByteBuffer? {
        var combined: ByteBuffer
        if var previous = held {
            previous.writeImmutableBuffer(chunk)
            combined = previous
            held = nil
        } else {
            combined = chunk
        }
        guard let end = completeLength(of: combined) else {
            if combined.readableBytes > Self.maximumHeldBytes { return combined }
            held = combined
            return nil
        }
        if end == combined.readableBytes { return combined }
        held = combined.getSlice(at: combined.readerIndex + end, length: combined.readableBytes - end)
        combined.moveWriterIndex(to: combined.readerIndex + end)
        return combined
    }

    /// The unfinished tail at the end of the stream, if any.
    mutating func finish() -> ByteBuffer? {
        defer { held = nil }
        return held
    }

    /// Length of the prefix that ends with a complete event or line.
    private func completeLength(of buffer: ByteBuffer) -> Int? {
        let newline = UInt8(ascii: "\n")
        let carriageReturn = UInt8(ascii: "\r")
        return buffer.withUnsafeReadableBytes { bytes -> Int? in
            var index = bytes.count - 1
            while index >= 0 {
                if bytes[index] == newline {
                    switch framing {
                    case .jsonLines:
                        return index + 1
                    case .serverSentEvents:
                        if index >= 1, bytes[index - 1] == newline { return index + 1 }
                        if index >= 2, bytes[index - 1] == carriageReturn, bytes[index - 2] == newline {
                            return index + 1
                        }
                    }
                }
                index -= 1
            }
            return nil
        }
    }
}
