import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL

/// The pipeline of every client connection, in front of Hummingbird's request handling: TLS when configured,
/// the connection cap, the request-head watch (deadline, malformed heads), NIO's HTTP/1 codec with the gateway's
/// decoder limits, the proxy front (``ProxyFrontHandler``: the proxied routes, pipelining order, `IDLE_TIMEOUT`,
/// the shutdown's close, and — to spare every request two more handlers — the head watch's view of decoded heads
/// and the HTTP/1.x lifetime rules of ``HTTPVersionPolicy``), then the conversion to HTTP types for Hummingbird.
///
/// Hummingbird's own `HTTP1Channel` builds the same codec chain but leaves no room before the decoder (for the
/// deadline, which must see bytes) nor between the decoder and the conversion (where the HTTP version is still
/// known); the rest — reading requests and writing answers through the router — is Hummingbird's `handleHTTP`.
struct GatewayHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    /// How connections are read and bounded.
    struct Settings: Sendable {
        var decoderLimits = NIOHTTPDecoderLimitConfiguration()
        /// No request for this long closes the connection (`IDLE_TIMEOUT`); nil keeps it.
        var idleTimeout: TimeAmount?
        /// `HEADER_TIMEOUT`; nil turns the deadline off.
        var headerTimeout: TimeAmount?
    }

    let responder: HTTPChannelHandler.Responder
    let settings: Settings
    let gate: ConnectionGate
    let certificates: TLSCertificates?
    /// Serves the proxied routes in front of Hummingbird (``ProxyFrontHandler``).
    let proxy: ProxyEngine

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            if let certificates {
                try pipeline.addHandler(NIOSSLServerHandler(context: certificates.context))
            }
            if !gate.admit(channel) {
                // Answers and closes; nothing reaches the handlers behind it.
                try pipeline.addHandler(ConnectionRefusalHandler())
                let refusals = gate.countRefusal()
                if refusals.worthLogging {
                    logger.warning(
                        "connections refused: MAX_CONNECTIONS reached",
                        metadata: ["limit": "\(gate.limit)", "refused_so_far": "\(refusals.total)"]
                    )
                }
            }
            let (headWatch, byteWatcher) = RequestHeadWatch.make(timeout: settings.headerTimeout)
            try pipeline.addHandler(byteWatcher)
            // NIO's request decoder without its response encoder: the proxy front encodes every answer itself
            // (`HTTPAnswerEncoder`). Hummingbird's handler reads one request at a time itself (no pipelining
            // assistance); a parse error reaches the head watch or the route, which answer 400 and close.
            try pipeline.addHandler(
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes,
                    limitConfiguration: settings.decoderLimits)))
            // The proxy front owns IDLE_TIMEOUT and the shutdown's close: Hummingbird's state handler behind it
            // never sees proxied requests, and would cut a connection busy with one.
            try pipeline.addHandler(
                ProxyFrontHandler(
                    engine: proxy, secure: certificates != nil, idleTimeout: settings.idleTimeout,
                    headWatch: headWatch))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: certificates != nil))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true)
            )
        }
    }

    func handle(value: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: value, logger: logger)
    }
}
