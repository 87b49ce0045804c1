import Hummingbird
import Logging
import NIOCore
import PoolCore

/// What the gateway knows about a request beyond the request itself, decided once and carried to the handler:
/// the error dialect its clients speak (set from the path by `ErrorDialectMiddleware`) and, on proxied routes,
/// the client token `ClientTokenMiddleware` authorized it with.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The shape errors on this route take.
    public var dialect: ErrorDialect = .admin
    /// The client token the request was authorized with; nil on routes that take no client token.
    public var clientToken: TokenRegistry.Entry?

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
