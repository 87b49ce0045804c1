import NIOCore
import NIOHTTP1

/// `HEADER_TIMEOUT`: a client must send a whole request head within the deadline, counted from connecting and
/// from the first byte of each later request. A slow-header client (slowloris) or one that connects and stays
/// silent is closed then; one whose head had begun gets a `408` first.
///
/// Two handlers share this state on the connection's event loop: ``ByteWatcher`` sits before the HTTP decoder
/// and sees bytes arrive, ``HeadWatcher`` sits after it and sees heads and ends complete. Between a request's
/// end and the next head no deadline runs unless new bytes arrive, so a keep-alive connection waiting for its
/// next request (or a slow upstream answer) is the business of `IDLE_TIMEOUT`, not of this one. The bytes of a
/// pipelined head that arrived with the previous request start no deadline either; `IDLE_TIMEOUT` (which counts
/// complete request parts only) bounds that case.
final class RequestHeadDeadline {
    private let timeout: TimeAmount
    private var awaitingHead = true
    private var headBegun = false
    private var scheduled: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    /// The two handlers, to place before and after the HTTP decoder.
    static func handlers(timeout: TimeAmount) -> (ByteWatcher, HeadWatcher) {
        let deadline = RequestHeadDeadline(timeout: timeout)
        return (ByteWatcher(deadline), HeadWatcher(deadline))
    }

    fileprivate func start(_ context: ChannelHandlerContext, bytesArrived: Bool) {
        if bytesArrived, awaitingHead { headBegun = true }
        guard awaitingHead, scheduled == nil else { return }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) {
            let (deadline, context) = loopBound.value
            deadline.expire(context)
        }
    }

    fileprivate func headArrived() {
        awaitingHead = false
        headBegun = false
        scheduled?.cancel()
        scheduled = nil
    }

    fileprivate func requestEnded() {
        awaitingHead = true
    }

    fileprivate func stop() {
        scheduled?.cancel()
        scheduled = nil
    }

    private func expire(_ context: ChannelHandlerContext) {
        scheduled = nil
        guard awaitingHead, context.channel.isActive else { return }
        guard headBegun else {
            context.close(promise: nil)
            return
        }
        let millis = timeout.nanoseconds / 1_000_000
        let limit = millis % 1000 == 0 ? "\(millis / 1000) s" : "\(millis) ms"
        let answer = RawHTTPAnswer.make(
            status: "408 Request Timeout", message: "the request head did not arrive within \(limit) (HEADER_TIMEOUT)"
        )
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(NIOAny(answer)).assumeIsolated().whenComplete { _ in
            loopBound.value.close(promise: nil)
        }
    }

    /// Before the HTTP decoder: starts the deadline when the connection opens and when a request's first bytes
    /// arrive.
    final class ByteWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = ByteBuffer
        private let deadline: RequestHeadDeadline

        init(_ deadline: RequestHeadDeadline) {
            self.deadline = deadline
        }

        func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { deadline.start(context, bytesArrived: false) }
        }

        func channelActive(context: ChannelHandlerContext) {
            deadline.start(context, bytesArrived: false)
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            deadline.start(context, bytesArrived: true)
            context.fireChannelRead(data)
        }

        func channelInactive(context: ChannelHandlerContext) {
            deadline.stop()
            context.fireChannelInactive()
        }

        func handlerRemoved(context: ChannelHandlerContext) {
            deadline.stop()
        }
    }

    /// After the HTTP decoder: a complete head stops the deadline, a request's end lets the next one start it.
    final class HeadWatcher: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPServerRequestPart
        private let deadline: RequestHeadDeadline

        init(_ deadline: RequestHeadDeadline) {
            self.deadline = deadline
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: deadline.headArrived()
            case .end: deadline.requestEnded()
            case .body: break
            }
            context.fireChannelRead(data)
        }
    }
}
