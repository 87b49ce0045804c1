import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Turns every error thrown below it into a JSON answer in the dialect of the route it was thrown on, including
/// the router's own 404 and 405; never lets a bare 500 escape.
struct ErrorDialectMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let gatewayError = GatewayError.from(error, maxBodyBytes: maxBodyBytes)
            if gatewayError.status.code >= 500, !(error is GatewayError) {
                context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(String(reflecting: type(of: error)))"])
            }
            return gatewayError.response(in: Self.dialect(forPath: request.uri.path))
        }
    }

    /// The dialect a path's clients speak.
    static func dialect(forPath path: String) -> ErrorDialect {
        var trimmed = Substring(path)
        for prefix in ["/ollama", "/openrouter"] where trimmed.hasPrefix(prefix + "/") {
            trimmed = trimmed.dropFirst(prefix.count)
        }
        if trimmed == "/v1/messages" || trimmed.hasPrefix("/v1/messages/") { return .anthropic }
        if trimmed == "/v1" || trimmed.hasPrefix("/v1/") { return .openAI }
        if trimmed == "/api" || trimmed.hasPrefix("/api/") { return .ollama }
        return .admin
    }
}
