import Hummingbird
import Logging
import NIOCore

/// What the gateway knows about a request beyond the request itself, decided once and carried to the handler:
/// the error dialect its clients speak (set from the path by `ErrorDialectMiddleware`). Proxied requests never
/// reach the router: `Proxy/Front/ProxyFrontHandler` serves them, and keeps what they need itself.
public struct GatewayRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The shape errors on this route take.
    public var dialect: ErrorDialect = .admin
    /// The socket peer: `AdminAuthMiddleware` counts failed admin tokens per client address.
    public let remoteAddress: SocketAddress?

    public init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
