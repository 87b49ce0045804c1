import HTTPTypes
import NIOCore
import NIOHTTP1

/// Watches each request head from its first byte until it is complete, and answers for heads that never become a
/// request, in the dialect of the route their request line names:
/// - `HEADER_TIMEOUT`: a client must send a whole head within the deadline, counted from connecting and from the
///   first byte of each later request. A slow-header client (slowloris) or one that connects and stays silent is
///   closed then; one whose head had begun gets a `408` first.
/// - A head NIO's decoder refuses (request smuggling with both `Content-Length` and `Transfer-Encoding`, two
///   lengths, a broken request line, …) gets a `400` with a JSON error, and the connection closes: nothing after
///   broken framing can be trusted.
///
/// ``ByteWatcher`` sits before the HTTP decoder and sees bytes arrive; ``ProxyFrontHandler``, after it, reports
/// heads and ends as they complete and asks about decoder errors (one handler fewer on every request's way). Between a request's
/// end and the next head no deadline runs unless new bytes arrive, so a keep-alive connection waiting for its
/// next request (or a slow upstream answer) is the business of `IDLE_TIMEOUT`, not of this one. The bytes of a
/// pipelined head that arrived with the previous request start no deadline either; `IDLE_TIMEOUT` (which counts
/// complete request parts only) bounds that case.
final class RequestHeadWatch {
    private let timeout: TimeAmount?
    private var awaitingHead = true
    private var headBegun = false
    /// The head's first bytes as they arrived (a view, not a copy), read for the request line's path only when
    /// an answer is made here.
    private var firstBytes: ByteBuffer?
    /// When the head being waited for must be complete; nil when no deadline runs.
    private var deadline: NIODeadline?
    private var scheduled: Scheduled<Void>?
    /// When the scheduled wake-up comes; it sleeps on when the deadline moved later meanwhile (a head that arrived
    /// and the next one's first bytes cost no timer of their own).
    private var firesAt: NIODeadline?
    /// Where raw answers go: the handler before the HTTP decoder.
    private weak var byteWatcher: ByteWatcher?

    init(timeout: TimeAmount?) {
        self.timeout = timeout
    }

    /// The watch and its handler, to place before the HTTP decoder; the watch goes to the proxy front.
    static func make(timeout: TimeAmount?) -> (RequestHeadWatch, ByteWatcher) {
        let watch = RequestHeadWatch(timeout: timeout)
        let bytes = ByteWatcher(watch)
        watch.byteWatcher = bytes
        return (watch, bytes)
    }

    fileprivate func bytesArrived(_ bytes: ByteBuffer?, _ context: ChannelHandlerContext) {
        if let bytes, awaitingHead, !headBegun {
            headBegun = true
            firstBytes = bytes
        }
        guard awaitingHead, deadline == nil, let timeout else { return }
        let due = NIODeadline.now() + timeout
        deadline = due
        if let firesAt, firesAt <= due { return }
        schedule(at: due, context)
    }

    private func schedule(at due: NIODeadline, _ context: ChannelHandlerContext) {
        scheduled?.cancel()
        firesAt = due
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            let (watch, context) = loopBound.value
            watch.wake(context)
        }
    }

    private func wake(_ context: ChannelHandlerContext) {
        scheduled = nil
        firesAt = nil
        guard let due = deadline else { return }
        guard NIODeadline.now() >= due else {
            schedule(at: due, context)
            return
        }
        deadline = nil
        expire(context)
    }

    /// A whole request head was decoded: its deadline stops.
    func headArrived() {
        awaitingHead = false
        headBegun = false
        firstBytes = nil
        deadline = nil
    }

    /// A request's end was decoded: the next head's first bytes start a deadline.
    func requestEnded() {
        awaitingHead = true
    }

    fileprivate func stop() {
        deadline = nil
        scheduled?.cancel()
        scheduled = nil
        firesAt = nil
    }

    /// The dialect of the route the unfinished head's request line names.
    private var dialect: ErrorDialect { RawHTTPAnswer.dialect(ofRequestLine: firstBytes?.readableBytesView ?? []) }

    private func expire(_ context: ChannelHandlerContext) {
        guard awaitingHead, context.channel.isActive, let timeout else { return }
        guard headBegun else {
            context.close(promise: nil)
            return
        }
        let millis = timeout.nanoseconds / 1_000_000
        let limit = millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
        let error = GatewayError(.requestTimeout, "the request head did not arrive within \(limit) (HEADER_TIMEOUT)")
        answerAndClose(context, RawHTTPAnswer.make(error, in: dialect))
    }

    /// Answers a decoder error while no request is under way (a broken head) and returns true; any other error
    /// (a broken body belongs to a request under way: its route answers it, in its dialect) is left to the caller.
    func refusedMalformedHead(_ error: any Error) -> Bool {
        guard error is HTTPParserError, awaitingHead, let raw = byteWatcher?.rawContext else { return false }
        refuseMalformedHead(raw)
        return true
    }

    /// A head the decoder refused: answered here, before any route sees it.
    private func refuseMalformedHead(_ context: ChannelHandlerContext) {
        stop()
        awaitingHead = false
        let error = GatewayError(
            .badRequest,
            "malformed HTTP request head (for example both Content-Length and Transfer-Encoding, or two lengths)")
        answerAndClose(context, RawHTTPAnswer.make(error, in: dialect))
    }

    private func answerAndClose(_ context: ChannelHandlerContext, _ answer: ByteBuffer) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(answer)).assumeIsolated().whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }

    /// Before the HTTP decoder: starts the deadline when the connection opens and when a request's first bytes
    /// arrive; keeps the request line.
    final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        private let watch: RequestHeadWatch
        private var context: ChannelHandlerContext?

        init(_ watch: RequestHeadWatch) {
            self.watch = watch
        }

        func handlerAdded(context: ChannelHandlerContext) {
            self.context = context
            if context.channel.isActive { watch.bytesArrived(nil, context) }
        }

        func channelActive(context: ChannelHandlerContext) {
            watch.bytesArrived(nil, context)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            watch.bytesArrived(unwrapInboundIn(data), context)
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            watch.stop()
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            watch.stop()
            self.context = nil
        }

        /// Where the raw answers go: before the HTTP encoder, straight to the socket (or TLS).
        fileprivate var rawContext: ChannelHandlerContext? { context }
    }
}
