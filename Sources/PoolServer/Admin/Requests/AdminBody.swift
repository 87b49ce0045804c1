import Foundation
import Hummingbird
import NIOCore

/// Reads an admin request body into its typed request. Every client mistake is a 4xx naming what is wrong: too
/// large (413 with the limit), empty, not JSON, not an object, or a field of the wrong type (see `BodyFields`).
enum AdminBody {
    /// Collects the body (up to `limit` bytes) and decodes it off the event loop: an import can be 64 MiB.
    /// - Parameter allowEmpty: an empty body reads as `{}`, for routes whose every field is optional.
    static func decode<Body: AdminRequestBody>(
        _ type: Body.Type, from request: Request, limit: Int, allowEmpty: Bool = false
    ) async throws -> Body {
        var request = request
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError(.contentTooLarge, "request body is larger than the limit of \(limit) bytes")
        }
        if buffer.readableBytes == 0 {
            guard allowEmpty else { throw GatewayError.badRequest("request body is empty; expected a JSON object") }
            return try decode(type, from: Data("{}".utf8))
        }
        let data = Data(buffer.readableBytesView)
        return try await OffLoop.run { try decode(type, from: data) }
    }

    /// Decodes `data`, turning `DecodingError`s into 400s. Field errors normally arrive as `GatewayError`s
    /// from `BodyFields` already; the mapping here covers the document itself and any field read otherwise.
    static func decode<Body: AdminRequestBody>(_ type: Body.Type, from data: Data) throws -> Body {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw GatewayError.badRequest(message(for: error))
        }
    }

    static func message(for error: DecodingError) -> String {
        guard let field = error.codingPath.first else {
            if case .dataCorrupted = error { return "request body is not valid JSON" }
            return "request body must be a JSON object"
        }
        return "field '\(field.stringValue)' has the wrong type"
    }
}
