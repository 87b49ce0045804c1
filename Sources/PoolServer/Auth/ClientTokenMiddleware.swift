import HTTPTypes
import Hummingbird
import PoolCore

/// Lets a proxied request through only with a client token that may use the route's provider, sent as
/// `Authorization: Bearer <token>` or `x-api-key: <token>` (what the OpenAI, Ollama and Anthropic SDKs send),
/// and hands the authorized token on in the context. Refusals answer 401 in the route's dialect.
struct ClientTokenMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let tokens: TokenRegistry
    let provider: ProviderID
    /// Counts refusals in the statistics (as `auth`); nil counts nothing.
    var stats: StatsRecorder?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        switch Self.authorize(request.headers, tokens: tokens, provider: provider) {
        case .success(let entry):
            context.clientToken = entry
        case .failure(let refusal):
            stats?.refused(provider: provider, reason: .auth)
            throw refusal
        }
        return try await next(request, context)
    }

    /// The token entry the headers present for `provider`, or the 401 to answer with.
    static func authorize(
        _ headers: HTTPFields, tokens: TokenRegistry, provider: ProviderID
    ) -> Result<TokenRegistry.Entry, GatewayError> {
        let presented = BearerToken.from(headers) ?? headers[.xAPIKey]
        return tokens.authorize(presented, provider: provider).mapError { rejection in
            switch rejection {
            case .missing:
                return GatewayError(
                    .unauthorized, "missing client token: send Authorization: Bearer <token>", code: .invalidAPIKey
                )
            case .unknown:
                return GatewayError(.unauthorized, "invalid client token", code: .invalidAPIKey)
            case .expired:
                return GatewayError(.unauthorized, "client token has expired", code: .invalidAPIKey)
            case .wrongProvider(let scope):
                return GatewayError(
                    .unauthorized, "client token is limited to provider '\(scope)' and cannot use '\(provider)'",
                    code: .invalidAPIKey
                )
            }
        }
    }
}
