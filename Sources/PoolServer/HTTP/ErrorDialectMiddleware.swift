import HTTPTypes
import Hummingbird
import Logging

/// Decides the request's error dialect from its path, once, for everything below it, and turns every error thrown
/// below it into a JSON answer in that dialect, including the router's own 404 and 405; never lets a bare 500
/// escape.
struct ErrorDialectMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let maxBodyBytes: Int
    /// Counts the header and URI limit refusals of proxied routes in the statistics; nil counts nothing.
    var stats: StatsRecorder?

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.dialect = ErrorDialect(path: request.uri.path)
        do {
            return try await next(request, context)
        } catch {
            let gatewayError = GatewayError.from(error, maxBodyBytes: maxBodyBytes)
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
}
