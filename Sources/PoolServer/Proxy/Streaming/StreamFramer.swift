import NIOCore
import PoolCore

/// Cuts a relayed stream at event (SSE) or line (NDJSON) boundaries, so a client never receives half an event:
/// complete events go out as soon as their last byte arrives, an unfinished tail waits for the rest.
struct StreamFramer {
    /// An unfinished event longer than this is sent anyway rather than held without bound.
    static let maximumHeldBytes = 1 << 20

    let framing: StreamFraming
    private var held: ByteBuffer?

    init(framing: StreamFraming) {
        self.framing = framing
    }

    /// What of `chunk` (with any held bytes in front) can go to the client now; nil when nothing is complete yet.
    mutating func frame(_ chunk: ByteBuffer) -> ByteBuffer? {
        // The held tail has no event end in it: only what arrives now can complete one.
        let searchFrom = held?.readableBytes ?? 0
        var combined: ByteBuffer
        if var previous = held {
            previous.writeImmutableBuffer(chunk)
            combined = previous
            held = nil
        } else {
            combined = chunk
        }
        let end = combined.withUnsafeReadableBytes { framing.completeLength(of: $0, searchingFrom: searchFrom) }
        guard let end else {
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
}
