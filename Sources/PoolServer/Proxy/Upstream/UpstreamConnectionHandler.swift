import NIOCore
import NIOHTTP1

/// One keep-alive connection to an upstream origin, the last handler of its pipeline (after TLS and NIO's HTTP/1
/// response decoder). It carries one exchange at a time: writes the request as bytes (``UpstreamWire``) with one
/// flush, reads the answer only as fast as the exchange's receiver takes it (the channel's `autoRead` is off),
/// and hands itself back to its ``UpstreamConnectionPool`` when the answer is complete.
///
/// While idle in the pool it keeps one read armed, so an upstream that closes the connection is noticed before
/// the connection is chosen again; bytes arriving on an idle connection mean it cannot be trusted and close it.
/// A connection whose answer broke off, was abandoned half-read or said `Connection: close` is never reused.
final class UpstreamConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case busy(UpstreamExchange)
        case closed
    }

    let origin: UpstreamOrigin
    /// Told each request's method as it leaves, to know which answers have no body.
    private let decoder: UpstreamWire.ResponseDecoder
    private let streamIdleTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    /// The pool that owns it; set once the connection is established.
    weak var pool: UpstreamConnectionPool?
    private var state = State.idle
    private var context: ChannelHandlerContext?
    /// Answers completed on this connection; a connection that served one may have been closed by the upstream
    /// meanwhile, which makes a request that met the close without any answer safe to resend.
    private var served = 0
    private var bytesReceived = false
    private var headReceived = false
    private var keepAlive = true
    private var readOutstanding = false
    /// What the timer enforces: when, and the error that passing it means (nil: close a parked connection).
    private var deadline: (at: NIODeadline, failing: UpstreamError?)?
    private var timer: Scheduled<Void>?
    /// When the scheduled wake-up comes; at or before `deadline`.
    private var timerFiresAt: NIODeadline?
    /// Counted out of the pool once.
    private var releasedFromPool = false

    init(
        decoder: UpstreamWire.ResponseDecoder, origin: UpstreamOrigin, streamIdleTimeout: TimeAmount,
        idleTimeout: TimeAmount
    ) {
        self.decoder = decoder
        self.origin = origin
        self.streamIdleTimeout = streamIdleTimeout
        self.idleTimeout = idleTimeout
    }

    /// Whether the connection can take a request now.
    var isUsable: Bool {
        if case .idle = state, let context, context.channel.isActive { return true }
        return false
    }

    // MARK: Driven by the pool and the exchange

    /// Sends `exchange`'s request; the connection must be idle.
    func start(_ exchange: UpstreamExchange) {
        guard case .idle = state, let context, context.channel.isActive else {
            exchange.fail(UpstreamError.remoteClosed)
            return
        }
        state = .busy(exchange)
        exchange.connection = self
        bytesReceived = false
        headReceived = false
        keepAlive = exchange.head.isKeepAlive
        decoder.noteRequest(exchange.head)
        let bytes = UpstreamWire.encode(
            exchange.head, bearerToken: exchange.bearerToken, body: exchange.body, allocator: context.channel.allocator)
        if let body = bytes.separateBody {
            context.write(wrapOutboundOut(bytes.head), promise: nil)
            context.write(wrapOutboundOut(body), promise: nil)
        } else {
            context.write(wrapOutboundOut(bytes.head), promise: nil)
        }
        LoopFlushBatch.flush(context)
        arm(exchange.firstByteTimeout, failing: .firstByteTimeout)
        read()
    }

    /// The longest silence allowed while reading `exchange`'s answer: its provider's, or the gateway's.
    private func silenceLimit(_ exchange: UpstreamExchange) -> TimeAmount {
        exchange.streamIdleTimeout ?? streamIdleTimeout
    }

    /// The receiver takes more: read on.
    func resumeReading() {
        guard case .busy(let exchange) = state else { return }
        if !readOutstanding, headReceived { arm(silenceLimit(exchange), failing: .idleTimeout) }
        read()
    }

    /// Closes the connection under `exchange`, which gives up on its answer.
    func abort(_ exchange: UpstreamExchange) {
        guard case .busy(let current) = state, current === exchange else { return }
        fail(UpstreamError.cancelled)
    }

    /// Parks the connection in the pool: one read stays armed to notice a close, and it closes itself after the
    /// idle timeout.
    func becomeIdle() {
        guard case .idle = state else { return }
        arm(idleTimeout, failing: nil)
        read()
    }

    /// Closes the connection (the pool shuts down or does not want it).
    func close() {
        guard let context, context.channel.isActive else { return }
        context.close(promise: nil)
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .busy(let exchange) = state else {
            // An answer nobody asked for: the connection is out of step with the upstream.
            context.close(promise: nil)
            return
        }
        bytesReceived = true
        switch unwrapInboundIn(data) {
        case .head(let head):
            // Informational answers (100 Continue) precede the real one.
            guard head.status.code >= 200 || head.status == .switchingProtocols else { return }
            keepAlive = keepAlive && head.isKeepAlive
            headReceived = true
            arm(silenceLimit(exchange), failing: .idleTimeout)
            exchange.receiver.receiveHead(head, exchange: exchange)
        case .body(let part):
            exchange.receiver.receiveBody(part)
        case .end:
            disarm()
            // State first: finishing the exchange or releasing the connection may start the next request on it.
            state = .idle
            served += 1
            let reusable = keepAlive && context.channel.isActive
            exchange.finish()
            if reusable {
                pool?.release(self)
            } else {
                state = .closed
                context.close(promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readOutstanding = false
        switch state {
        case .busy(let exchange):
            if exchange.receiver.wantsMore {
                // The idle deadline counts from the last read; before the head, the first-byte one runs on.
                if headReceived { arm(silenceLimit(exchange), failing: .idleTimeout) }
                read()
            } else if headReceived {
                // Held back by the receiver: that is not the upstream's silence.
                disarm()
            }
        case .idle:
            read()
        case .closed:
            break
        }
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(UpstreamError.remoteClosed)
        state = .closed
        leavePool()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
    }

    // MARK: Internals

    private func read() {
        guard !readOutstanding, let context, context.channel.isActive else { return }
        readOutstanding = true
        context.read()
    }

    /// Ends the running exchange with `error` and closes the connection; a request that met the close of a reused
    /// connection without any answer goes back to the pool once.
    private func fail(_ error: any Error) {
        let previous = state
        state = .closed
        timer?.cancel()
        timer = nil
        timerFiresAt = nil
        deadline = nil
        if let context, context.channel.isActive { context.close(promise: nil) }
        guard case .busy(let exchange) = previous else { return }
        exchange.connection = nil
        let closedUnderRequest = (error as? UpstreamError) == .remoteClosed || error is IOError
        if closedUnderRequest, !bytesReceived, served > 0, !exchange.resent, let pool {
            exchange.resent = true
            leavePool()
            pool.execute(exchange)
        } else {
            exchange.fail(error)
        }
    }

    private func leavePool() {
        guard !releasedFromPool else { return }
        releasedFromPool = true
        pool?.connectionClosed(self)
    }

    /// Sets the one deadline the connection runs: the first-byte or idle deadline of a request, or (error nil) the
    /// idle timeout of a parked connection. The timer is rescheduled only when the new deadline comes before its
    /// wake-up; a wake-up that finds the deadline moved later sleeps on (one schedule per timeout, not three per
    /// request).
    private func arm(_ timeout: TimeAmount, failing error: UpstreamError?) {
        let due = NIODeadline.now() + timeout
        deadline = (due, error)
        if let timerFiresAt, timerFiresAt <= due { return }
        schedule(at: due)
    }

    /// Nothing is due any more; a pending wake-up finds no deadline.
    private func disarm() {
        deadline = nil
    }

    private func schedule(at due: NIODeadline) {
        timer?.cancel()
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timerFiresAt = due
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: due) {
            loopBound.value.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        timerFiresAt = nil
        guard let (due, error) = deadline else { return }
        guard NIODeadline.now() >= due else {
            schedule(at: due)
            return
        }
        deadline = nil
        if let error {
            fail(error)
        } else if case .idle = state {
            state = .closed
            close()
        }
    }
}
