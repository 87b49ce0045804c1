import HTTPTypes
import PoolCore

/// Who may use a proxied route: a client token that may use the route's provider, sent as
/// `Authorization: Bearer <token>` or `x-api-key: <token>` (what the OpenAI, Ollama and Anthropic SDKs send).
/// Refusals are 401s for the route's dialect. `Proxy/Front/ProxiedRequest` asks before it reads a body, with the
/// token `ClientHeadFields` found.
enum ClientTokenAuthorization {
    /// The token entry for a presented token and `provider`, or the 401 to answer with.
    static func authorize(
        _ presented: String?, tokens: TokenRegistry, provider: ProviderID, memo: inout TokenDigestMemo
    ) -> Result<TokenRegistry.Entry, GatewayError> {
        tokens.authorize(presented, provider: provider, memo: &memo).mapError { rejection in
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
