import NIOCore
import NIOHTTP1

/// Receives one upstream answer's parts, on the event loop of the connection that carries it.
protocol UpstreamResponseReceiver: AnyObject {
    /// Whether the receiver takes more body now. While false the connection reads nothing more from the upstream
    /// (backpressure), until the receiver's owner calls ``UpstreamExchange/demandMore()``.
    var wantsMore: Bool { get set }
    func receiveHead(_ head: HTTPResponseHead, exchange: UpstreamExchange)
    func receiveBody(_ part: ByteBuffer)
    /// The answer is complete; no other call follows.
    func receiveEnd()
    /// The exchange failed (before or during the answer); no other call follows.
    func receiveFailure(_ error: any Error)
}

/// One request on its way through an event loop's ``UpstreamConnectionPool``: waiting for a connection, sent, or
/// being answered. Lives on that event loop.
final class UpstreamExchange {
    /// The loop it lives on: its pool's.
    let eventLoop: any EventLoop
    let origin: UpstreamOrigin
    let head: HTTPRequestHead
    let body: ByteBuffer?
    /// Sent as `Authorization: Bearer …` after the head's own fields (a proxied request's key).
    var bearerToken: String?
    let firstByteTimeout: TimeAmount
    /// The provider's own connect and stream-idle timeouts, when it sets them; nil uses the pool's.
    var connectTimeout: TimeAmount?
    var streamIdleTimeout: TimeAmount?
    let receiver: any UpstreamResponseReceiver
    /// Set once the request was sent again after a reused connection closed under it without answering: it is
    /// resent at most once.
    var resent = false
    /// The answer ended, the exchange failed, or it was cancelled: nothing more happens to it.
    private(set) var isDone = false
    /// The connection carrying it now, if any.
    var connection: UpstreamConnectionHandler?
    /// The pool it waits in or was sent through.
    weak var pool: UpstreamConnectionPool?

    init(
        eventLoop: any EventLoop, origin: UpstreamOrigin, head: HTTPRequestHead, body: ByteBuffer?,
        firstByteTimeout: TimeAmount,
        receiver: any UpstreamResponseReceiver
    ) {
        self.eventLoop = eventLoop
        self.origin = origin
        self.head = head
        self.body = body
        self.firstByteTimeout = firstByteTimeout
        self.receiver = receiver
    }

    /// The receiver takes more body again: resume reading from the upstream.
    func demandMore() {
        guard !isDone else { return }
        receiver.wantsMore = true
        connection?.resumeReading()
    }

    /// Gives the exchange up: a waiting one leaves the queue, a running one's connection is closed (a half-read
    /// answer never leaves a connection fit for reuse).
    func cancel() {
        guard !isDone else { return }
        if let connection {
            connection.abort(self)
        } else {
            pool?.withdraw(self)
            fail(UpstreamError.cancelled)
        }
    }

    func finish() {
        guard !isDone else { return }
        isDone = true
        connection = nil
        receiver.receiveEnd()
    }

    func fail(_ error: any Error) {
        guard !isDone else { return }
        isDone = true
        connection = nil
        receiver.receiveFailure(error)
    }
}
