import NIOCore
import NIOHTTP1
import PoolCore

/// Takes the proxied routes (``ProxyRoutes``) off a client connection before Hummingbird sees them and serves
/// them on the connection's event loop (``ProxiedRequest``); every other request passes on to Hummingbird
/// untouched. It sits right after NIO's HTTP/1 request decoder, before the conversion to HTTP types, and also
/// does what would otherwise cost a handler each on every request's way: it tells the ``RequestHeadWatch`` about
/// heads, ends and broken heads, and writes answers of both kinds as bytes (``ClientAnswers``: the
/// ``HTTPVersionPolicy`` and NIO's framing rules; the pipeline has no encoder handler).
///
/// Answers leave in the order requests came (HTTP/1 pipelining): while Hummingbird has not finished an answer
/// (its `.end` passes through here on the way out), a proxied request waits; while a proxied request is under
/// way, any later request waits. Waiting requests are held here and the connection reads no more until they are
/// served. It also owns what Hummingbird's connection state handler can no longer see: `IDLE_TIMEOUT` (a
/// connection is not idle while an answer of either kind is being written) and the server's graceful shutdown
/// (close once every answer is out; when the grace runs out, an open stream ends with an error event).
final class ProxyFrontHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = IOData

    /// What arrived while an earlier request was still being answered.
    private enum Held {
        case part(HTTPServerRequestPart)
        /// The client closed its side: delivered once the requests before it are answered.
        case inputClosed
    }

    private let engine: ProxyEngine
    private let secure: Bool
    /// `HEADER_TIMEOUT` and malformed heads; nil when the pipeline has no head watch.
    private let headWatch: RequestHeadWatch?
    /// Every answer leaves here as bytes (the pipeline has no HTTP encoder).
    private var answers: ClientAnswers
    private let idleTimeout: TimeAmount?
    private var context: ChannelHandlerContext?
    /// The proxied request being read or answered.
    private var current: ProxiedRequest?
    /// The last presented client token's digest (`TokenDigestMemo`): one SHA-256 per connection and token.
    var tokenDigests = TokenDigestMemo()
    /// A request for Hummingbird is being read: its body parts go on to Hummingbird.
    private var forwardingToHummingbird = false
    /// Requests handed to Hummingbird whose answer has not ended.
    private var hummingbirdUnanswered = 0
    private var held = CircularBuffer<Held>()
    /// A read was asked for while requests were held; it is passed on once they are served.
    private var readHeld = false
    private var draining = false
    /// Parts went on to Hummingbird that no read-complete has followed yet: Hummingbird's inbound stream passes on
    /// what it got at a read-complete, and one with nothing for it is not sent its way (it costs every proxied
    /// request a pass through three handlers).
    private var handedToHummingbird = false
    /// The server is shutting down: close once idle.
    private var quiescing = false
    /// The connection is closing: nothing more is read or started.
    private var closing = false
    private var lastActivity = NIODeadline.now()
    /// The client's address as text, formatted once per connection rather than per request.
    private lazy var peer: String = context?.channel.remoteAddress?.ipAddress ?? ""
    private var idleTimer: Scheduled<Void>?

    init(engine: ProxyEngine, secure: Bool, idleTimeout: TimeAmount?, headWatch: RequestHeadWatch? = nil) {
        self.engine = engine
        self.secure = secure
        self.idleTimeout = idleTimeout
        self.headWatch = headWatch
        self.answers = ClientAnswers(tls: secure)
    }

    /// No request is being read, answered or held.
    private var isIdle: Bool {
        current == nil && hummingbirdUnanswered == 0 && !forwardingToHummingbird && held.isEmpty
    }

    // MARK: Lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { startIdleTimer() }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startIdleTimer()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        idleTimer?.cancel()
        idleTimer = nil
        held.removeAll()
        if let request = current {
            current = nil
            _ = request.abandon(.clientGone)
        }
        context.fireChannelInactive()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var part = unwrapInboundIn(data)
        switch part {
        case .head(var head):
            headWatch?.headArrived()
            answers.requestArrived(&head)
            part = .head(head)
        case .end:
            headWatch?.requestEnded()
        case .body:
            break
        }
        guard !closing else { return }
        lastActivity = .now()
        if !held.isEmpty || !dispatch(part, context: context) { held.append(.part(part)) }
    }

    /// Hands `part` to the proxied request or to Hummingbird; false when it must wait for an earlier answer.
    private func dispatch(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) -> Bool {
        switch part {
        case .head(let head):
            if let (route, target) = ProxyRoutes.match(head, secure: secure, routes: engine.providers.routes) {
                guard current == nil, hummingbirdUnanswered == 0 else { return false }
                let proxied = ProxiedRequest(
                    engine: engine, route: route, head: head, target: target, front: self,
                    eventLoop: context.eventLoop, peer: peer)
                current = proxied
                proxied.begin()
            } else {
                guard current == nil else { return false }
                hummingbirdUnanswered += 1
                forwardingToHummingbird = true
                handedToHummingbird = true
                context.fireChannelRead(wrapInboundOut(part))
            }
        case .body:
            if forwardingToHummingbird {
                handedToHummingbird = true
                context.fireChannelRead(wrapInboundOut(part))
            } else {
                current?.receive(part)
            }
        case .end:
            if forwardingToHummingbird {
                forwardingToHummingbird = false
                handedToHummingbird = true
                context.fireChannelRead(wrapInboundOut(part))
            } else if let request = current {
                request.receive(part)
                if request.responseEnded, current === request { requestFinished(context: context) }
            }
        }
        return true
    }

    /// The current proxied request is read and answered: on to what waits behind it.
    private func requestFinished(context: ChannelHandlerContext) {
        current = nil
        if quiescing, isIdle {
            closing = true
            context.close(promise: nil)
            return
        }
        drainHeld(context: context)
    }

    /// Serves held requests in order until one has to wait; then lets reading resume once nothing is held.
    private func drainHeld(context: ChannelHandlerContext) {
        guard !draining else { return }
        draining = true
        defer {
            draining = false
            // Parts handed on here may have come after the read's own read-complete.
            passReadComplete(context: context)
        }
        while !closing, let item = held.first {
            switch item {
            case .part(let part):
                held.removeFirst()
                guard dispatch(part, context: context) else {
                    held.prepend(.part(part))
                    return
                }
            case .inputClosed:
                guard current == nil, hummingbirdUnanswered == 0, !forwardingToHummingbird else { return }
                held.removeFirst()
                context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
            }
        }
        if held.isEmpty, readHeld, !closing {
            readHeld = false
            context.read()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        passReadComplete(context: context)
    }

    private func passReadComplete(context: ChannelHandlerContext) {
        guard handedToHummingbird else { return }
        handedToHummingbird = false
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A broken head while no request is under way: answered by the head watch, in its route's dialect.
        if let headWatch, headWatch.refusedMalformedHead(error) { return }
        // A body whose framing broke belongs to the proxied request being read: answered in its dialect.
        if error is HTTPParserError, let request = current, !request.requestEnded {
            request.framingBroke(error)
            if request.responseEnded, current === request {
                closing = true
                context.close(promise: nil)
            }
            return
        }
        context.fireErrorCaught(error)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { current?.clientWritable() }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case is ChannelShouldQuiesceEvent:
            // Hummingbird's state handler would close under a proxied answer it cannot see: the decision is here.
            quiescing = true
            if isIdle {
                closing = true
                context.close(promise: nil)
            }
        case let event as ChannelEvent where event == .inputClosed:
            guard let request = current else {
                if held.isEmpty { context.fireUserInboundEventTriggered(event) } else { held.append(.inputClosed) }
                return
            }
            if request.requestEnded, !request.wantsStream {
                // A whole answer is still given to a client that closed its sending side, as before.
                held.append(.inputClosed)
                return
            }
            // The client left a stream (or a request it never finished sending): stop the upstream at once.
            current = nil
            _ = request.abandon(.clientGone)
            closing = true
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        if !held.isEmpty {
            readHeld = true
            return
        }
        context.read()
    }

    /// Hummingbird's answers pass here, to be encoded; the end of one may let a held request go.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let trailers: HTTPHeaders?
        switch unwrapOutboundIn(data) {
        case .head(let head):
            answers.writeHead(head, context: context, promise: promise)
            return
        case .body(let part):
            answers.writeBody(part, context: context, flush: false, promise: promise)
            return
        case .end(let end):
            trailers = end
        }
        hummingbirdUnanswered = max(0, hummingbirdUnanswered - 1)
        lastActivity = .now()
        if quiescing, isIdle {
            closing = true
            answers.writeEnd(trailers, context: context, flush: true, promise: promise, thenClose: true)
            return
        }
        answers.writeEnd(trailers, context: context, flush: false, promise: promise)
        if hummingbirdUnanswered == 0, !held.isEmpty { drainHeld(context: context) }
    }

    /// Hummingbird closes the input of its connections when the server's shutdown grace has run out: a proxied
    /// request still under way ends here (a stream with the shutdown's error event), then the connection closes.
    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .input, let request = current else {
            context.close(mode: mode, promise: promise)
            return
        }
        current = nil
        closing = true
        if request.abandon(.shutdown) {
            answers.writeEnd(nil, context: context, flush: true, promise: nil, thenClose: true)
        } else {
            context.close(promise: nil)
        }
        promise?.succeed(())
    }

    // MARK: Written by the proxied request

    /// A proxied answer's head, with the headers every answer of the server carries; `contentLength` nil for an
    /// answer whose length is not known yet (a stream).
    func writeResponseHead(
        _ status: HTTPResponseStatus, _ headers: ResponseHeaderList, contentLength: Int?, cors: Bool
    ) {
        guard let context else { return }
        answers.writeProxiedHead(
            status, headers, contentLength: contentLength, cors: cors, server: engine.serverName, context: context)
    }

    func writeResponseBody(_ buffer: ByteBuffer, flush: Bool) {
        guard let context else { return }
        answers.writeBody(.byteBuffer(buffer), context: context, flush: flush, promise: nil)
    }

    var clientIsWritable: Bool { context?.channel.isWritable ?? false }

    /// Ends the current proxied answer; once its request is read too, the next request's turn (or the close the
    /// request asked for).
    func endResponse(of request: ProxiedRequest) {
        guard let context, request === current else { return }
        lastActivity = .now()
        if request.closesConnection {
            // State first: nothing more is started on a connection that closes.
            current = nil
            closing = true
            answers.writeEnd(nil, context: context, flush: true, promise: nil, thenClose: true)
            return
        }
        guard request.requestEnded else {
            // Answered before its body ended: the request finishes when its end arrives.
            answers.writeEnd(nil, context: context, flush: true, promise: nil)
            return
        }
        // State first: writing the end can deliver the next pipelined request.
        current = nil
        if quiescing, isIdle {
            closing = true
            answers.writeEnd(nil, context: context, flush: true, promise: nil, thenClose: true)
            return
        }
        answers.writeEnd(nil, context: context, flush: false, promise: nil)
        LoopFlushBatch.flush(context)
        drainHeld(context: context)
    }

    // MARK: IDLE_TIMEOUT

    private func startIdleTimer() {
        guard let idleTimeout, idleTimer == nil else { return }
        lastActivity = .now()
        scheduleIdleCheck(in: idleTimeout)
    }

    private func scheduleIdleCheck(in delay: TimeAmount) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            loopBound.value.idleCheck()
        }
    }

    /// Closes a connection on which nothing happened for `IDLE_TIMEOUT`; one whose request was read and is being
    /// answered is not idle, however long the answer takes (a stream, a slow upstream).
    private func idleCheck() {
        idleTimer = nil
        guard let context, let idleTimeout, context.channel.isActive, !closing else { return }
        let answering =
            (current?.requestEnded ?? false) || (hummingbirdUnanswered > 0 && !forwardingToHummingbird)
        if answering {
            scheduleIdleCheck(in: idleTimeout)
            return
        }
        let now = NIODeadline.now()
        let deadline = lastActivity + idleTimeout
        if now >= deadline {
            context.close(promise: nil)
        } else {
            scheduleIdleCheck(in: deadline - now)
        }
    }
}
