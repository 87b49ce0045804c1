import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// An error the gateway itself answers with: a status, a message for people, and machine-readable type and code.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var message: String
    /// OpenAI-style error type, e.g. `invalid_request_error`.
    public var type: String
    public var code: Code?
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, _ message: String, type: String? = nil, code: Code? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.message = message
        self.type = type ?? Self.defaultType(for: status)
        self.code = code
        self.headers = headers
    }

    public var description: String { "\(status.code) \(message)" }

    static func defaultType(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 401: return "authentication_error"
        case 403: return "permission_error"
        case 404: return "not_found_error"
        case 413: return "request_too_large"
        case 429: return "rate_limit_error"
        case 400..<500: return "invalid_request_error"
        case 503: return "service_unavailable"
        default: return "upstream_error"
        }
    }

    static func badRequest(_ message: String) -> GatewayError { GatewayError(.badRequest, message) }
    static func notFound(_ message: String) -> GatewayError { GatewayError(.notFound, message) }

    /// Converts any error thrown while handling a request into what the client will see.
    static func from(_ error: any Error, maxBodyBytes: Int) -> GatewayError {
        switch error {
        case let error as GatewayError:
            return error
        case is HTTPParserError:
            // Broken framing (a bad chunk size, bare LFs, …): nothing after it on the connection can be trusted.
            return GatewayError(.badRequest, "malformed HTTP request framing", headers: [.connection: "close"])
        case is NIOTooManyBytesError:
            return GatewayError(.contentTooLarge, "request body is larger than the limit of \(maxBodyBytes) bytes")
        case let error as HTTPError:
            if error.status == .contentTooLarge {
                return GatewayError(.contentTooLarge, "request body is larger than the limit of \(maxBodyBytes) bytes")
            }
            return GatewayError(error.status, error.body ?? error.status.reasonPhrase)
        case let error as any HTTPResponseError:
            return GatewayError(error.status, error.status.reasonPhrase)
        default:
            return GatewayError(.internalServerError, "internal error", type: "server_error")
        }
    }

    /// The response in `dialect`'s shape.
    func response(in dialect: ErrorDialect) -> Response {
        var headers = self.headers
        headers[.contentType] = "application/json"
        return Response(
            status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body(in: dialect))))
    }

    /// The JSON body in `dialect`'s shape.
    func body(in dialect: ErrorDialect) -> String {
        ErrorBody.json(dialect, message: message, type: type, anthropicType: anthropicType, code: code?.rawValue)
    }

    /// Anthropic names client errors as OpenAI-style types do, and server errors its own way.
    var anthropicType: String {
        switch status.code {
        case 503, 529: return "overloaded_error"
        case 400..<500: return Self.defaultType(for: status)
        default: return "api_error"
        }
    }
}
