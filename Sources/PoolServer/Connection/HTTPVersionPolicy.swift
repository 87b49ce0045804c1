import NIOCore
import NIOHTTP1

/// What HTTP/1.x says about a connection's lifetime, which the version-free HTTP types after this handler cannot
/// carry: a request that does not ask to keep the connection (HTTP/1.0 without `Connection: keep-alive`, or any
/// `Connection: close`) gets `Connection: close` marked on its head, so the server closes after answering, and
/// an HTTP/1.0 client gets an HTTP/1.0 answer it can read: no chunked framing (the body then ends with the
/// connection). With TLS on, every answer carries `Strict-Transport-Security`.
///
/// Sits between NIO's HTTP/1 codec and the conversion to HTTP types; answers leave in the order requests came.
final class HTTPVersionPolicy: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// One year, the value HSTS preload lists expect.
    static let strictTransportSecurity = "max-age=31536000"

    private struct Pending {
        let version: HTTPVersion
        let keepAlive: Bool
    }

    private let addsStrictTransportSecurity: Bool
    private var pending = CircularBuffer<Pending>(initialCapacity: 2)
    /// The answer being written ends a connection the server would keep: close once its end is written. (A
    /// request that asked to close is closed by the server itself, which sees `Connection: close` on its head.)
    private var closeAfterEnd = false

    init(tls: Bool) {
        self.addsStrictTransportSecurity = tls
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let keepAlive = head.isKeepAlive
        pending.append(Pending(version: head.version, keepAlive: keepAlive))
        if !keepAlive, !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .end = part, closeAfterEnd {
            closeAfterEnd = false
            let written = promise ?? context.eventLoop.makePromise()
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            written.futureResult.assumeIsolated().whenComplete { _ in loopBound.value.close(promise: nil) }
            context.write(data, promise: written)
            return
        }
        guard case .head(var head) = part else {
            context.write(data, promise: promise)
            return
        }
        // An informational answer (100 Continue) precedes the real one for the same request.
        let request = head.status.code < 200 ? pending.first : pending.popFirst()
        if let request {
            if !request.keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
            if request.version == .http1_0 {
                head.version = .http1_0
                if head.headers["content-length"].isEmpty {
                    // HTTP/1.0 has no chunked framing: the body ends when the connection does, which the server
                    // does not know to do for a request that asked to keep it.
                    head.headers.remove(name: "transfer-encoding")
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    closeAfterEnd = request.keepAlive && head.status.code >= 200
                } else if request.keepAlive {
                    head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
                }
            }
        }
        if addsStrictTransportSecurity {
            head.headers.replaceOrAdd(name: "strict-transport-security", value: Self.strictTransportSecurity)
        }
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
