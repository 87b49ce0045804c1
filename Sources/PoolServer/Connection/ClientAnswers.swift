import NIOCore
import NIOHTTP1

/// Every answer on a client connection on its way out, proxied or Hummingbird's: what the request it answers
/// asks of it (``HTTPVersionPolicy``) and its bytes (``HTTPAnswerEncoder``), written to the context of the
/// ``ProxyFrontHandler``, below which no handler encodes anything.
struct ClientAnswers {
    private var policy: HTTPVersionPolicy
    private var encoder = HTTPAnswerEncoder()

    init(tls: Bool) {
        policy = HTTPVersionPolicy(tls: tls)
    }

    /// A request head arrived (see ``HTTPVersionPolicy/requestArrived(_:)``).
    mutating func requestArrived(_ head: inout HTTPRequestHead) {
        policy.requestArrived(&head)
    }

    /// A head of Hummingbird's.
    mutating func writeHead(
        _ head: HTTPResponseHead, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?
    ) {
        var head = head
        let answer = policy.answerLeaves(&head)
        let bytes = encoder.head(head, answer: answer, allocator: context.channel.allocator)
        context.write(NIOAny(IOData.byteBuffer(bytes)), promise: promise)
    }

    /// A proxied answer's head (see ``HTTPAnswerEncoder``).
    mutating func writeProxiedHead(
        _ status: HTTPResponseStatus, _ fields: ResponseHeaderList, contentLength: Int?, cors: Bool, server: String?,
        context: ChannelHandlerContext
    ) {
        let answer = policy.answerLeaves(status: status, hasContentLength: contentLength != nil)
        let bytes = encoder.proxiedHead(
            status: status, fields: fields, contentLength: contentLength, cors: cors, server: server, answer: answer,
            allocator: context.channel.allocator)
        context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
    }

    /// A part of the body, framed as its head said.
    func writeBody(_ part: IOData, context: ChannelHandlerContext, flush: Bool, promise: EventLoopPromise<Void>?) {
        let framed = encoder.body(part)
        if let prefix = framed.prefix { context.write(NIOAny(IOData.byteBuffer(prefix)), promise: nil) }
        if let data = framed.data {
            if framed.chunked {
                context.write(NIOAny(data), promise: nil)
                context.write(NIOAny(IOData.byteBuffer(HTTPAnswerEncoder.chunkEnd)), promise: promise)
            } else {
                context.write(NIOAny(data), promise: promise)
            }
        } else {
            // A body for a HEAD answer (or an empty part) is dropped, as NIO's encoder drops it.
            promise?.succeed(())
        }
        if flush { context.flush() }
    }

    /// The answer's end; the connection closes once it is written when `thenClose` says so or the policy does (an
    /// HTTP/1.0 answer without a length ends with the connection).
    mutating func writeEnd(
        _ trailers: HTTPHeaders?, context: ChannelHandlerContext, flush: Bool, promise: EventLoopPromise<Void>?,
        thenClose: Bool = false
    ) {
        var promise = promise
        if policy.endLeavesClosing() || thenClose {
            let written = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.assumeIsolated().whenComplete { _ in loopBound.value.close(promise: nil) }
            promise = written
        }
        if let end = encoder.end(trailers: trailers) {
            context.write(NIOAny(IOData.byteBuffer(end)), promise: promise)
        } else if let promise {
            // Nothing to write, but the promise completes in order with what was written before.
            context.write(NIOAny(IOData.byteBuffer(ByteBuffer())), promise: promise)
        }
        if flush { context.flush() }
    }
}
