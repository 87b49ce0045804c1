import NIOCore
import NIOHTTP1

/// What goes on an upstream connection's wire, below NIO's HTTP/1 client codec: the request as bytes (no
/// `HTTPRequestEncoder`, whose casts and per-string writes cost ~11 k instructions a request), and NIO's response
/// decoder told about each request's method directly instead of by watching the writes pass (~7 k more).
enum UpstreamWire {
    /// A body up to this size travels in the head's buffer: one copy of a few kilobytes is cheaper than a
    /// second write through the pipeline and a second `iovec`.
    static let inlineBodyLimit = 16 * 1024

    /// The request's bytes: the head (framing headers are the head's own: `UpstreamRequest.head`,
    /// `ProxyEngine.upstreamHead`) and `Authorization: Bearer` with `bearerToken`, with a small body appended; a
    /// larger body comes back to be written after it.
    static func encode(
        _ head: HTTPRequestHead, bearerToken: String? = nil, body: ByteBuffer?, allocator: ByteBufferAllocator
    ) -> (head: ByteBuffer, separateBody: ByteBuffer?) {
        let bodyBytes = body?.readableBytes ?? 0
        let inline = bodyBytes <= inlineBodyLimit
        var buffer = allocator.buffer(capacity: HTTPHeadText.usualSize + (inline ? bodyBytes : 0))
        HTTPHeadText.write(into: &buffer) { text in
            text.put(head.method.rawValue)
            text.put(" ")
            text.put(head.uri)
            text.put(head.version == .http1_0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n")
            for (name, value) in head.headers { text.field(name, value) }
            if let bearerToken {
                text.put("authorization: Bearer ")
                text.put(bearerToken)
                text.put("\r\n")
            }
            text.put("\r\n")
        }
        guard let body, bodyBytes > 0 else { return (buffer, nil) }
        if inline {
            buffer.writeImmutableBuffer(body)
            return (buffer, nil)
        }
        return (buffer, body)
    }

    /// NIO's response decoder as a plain decoder: it pairs each answer with the method of the request it answers
    /// (a `HEAD` answer has no body), which ``UpstreamConnectionHandler`` tells it through `noteRequest` as it
    /// writes the request's bytes, so no write has to pass through the decoder's handler.
    struct ResponseDecoder: ByteToMessageDecoder {
        typealias InboundOut = HTTPClientResponsePart
        let http: HTTPResponseDecoder

        func noteRequest(_ head: HTTPRequestHead) {
            http.write(data: .head(head))
        }

        func decoderAdded(context: ChannelHandlerContext) {
            http.decoderAdded(context: context)
        }

        func decoderRemoved(context: ChannelHandlerContext) {
            http.decoderRemoved(context: context)
        }

        mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
            try http.decode(context: context, buffer: &buffer)
        }

        mutating func decodeLast(
            context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
        ) throws -> DecodingState {
            try http.decodeLast(context: context, buffer: &buffer, seenEOF: seenEOF)
        }
    }
}
