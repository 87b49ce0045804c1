import HTTPTypes
import Hummingbird
import Logging
import PoolCore

/// Decides the request's error dialect from its path, once, for everything below it, and turns every error thrown
/// below it into a JSON answer in that dialect, including the router's own 404 and 405; never lets a bare 500
/// escape.
struct ErrorDialectMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let maxBodyBytes: Int
    /// Counts the header and URI limit refusals of proxied routes in the statistics; nil counts nothing.
    var stats: StatsRecorder?
    /// The provider catalog, for a 404 under an unknown or disabled provider's prefix that says so; nil: a plain 404.
    var providers: ProviderRegistry?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.dialect = ErrorDialect(path: request.uri.path)
        do {
            return try await next(request, context)
        } catch {
            var gatewayError = GatewayError.from(error, maxBodyBytes: maxBodyBytes)
            if gatewayError.status == .notFound, let providers,
                let message = Self.providerMessage(path: request.uri.path, catalog: providers.catalog)
            {
                gatewayError = .notFound(message)
            }
            stats?.recordEdgeRefusal(path: request.uri.path, status: Int(gatewayError.status.code))
            if gatewayError.status.code >= 500, !(error is GatewayError) {
                context.logger.error(
                    "request failed",
                    metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: type(of: error)))"]
                )
            }
            return gatewayError.response(in: context.dialect)
        }
    }

    /// What a 404 under `/{name}/v1/...` or `/{name}/api/...` says when `name` is no provider (the known ones
    /// listed) or a disabled one; nil for any other path, or a provider whose route simply does not exist.
    static func providerMessage(path: String, catalog: ProviderCatalog) -> String? {
        let parts = path.split(separator: "/", maxSplits: 2, omittingEmptySubsequences: true)
        guard parts.count >= 2, parts[1] == "v1" || parts[1] == "api",
            (try? ProviderRules.validateName(String(parts[0]))) != nil
        else { return nil }
        let name = String(parts[0])
        guard let provider = catalog.named(name) else {
            return UnknownProvider(name: name, known: catalog.names.filter { catalog[$0]?.enabled == true })
                .description
        }
        return catalog[provider]?.enabled == false ? "provider '\(name)' is disabled" : nil
    }
}
