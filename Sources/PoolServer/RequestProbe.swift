import Foundation
import NIOCore

/// The two fields of a client's request body the gateway needs; everything else passes through untouched.
struct RequestProbe: Decodable {
    var model: String?
    var stream: Bool?

    private enum CodingKeys: String, CodingKey {
        case model
        case stream
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Wrong types are the upstream's to judge; the gateway only must not misroute or crash.
        model = try? container.decodeIfPresent(String.self, forKey: .model)
        stream = try? container.decodeIfPresent(Bool.self, forKey: .stream)
    }

    /// Reads the body; malformed JSON or a non-object is the client's error, answered before any key is spent.
    static func read(_ body: ByteBuffer) throws -> RequestProbe {
        guard body.readableBytes > 0 else { throw GatewayError.badRequest("request body is empty; expected a JSON object") }
        do {
            return try body.withUnsafeReadableBytes { bytes in
                try JSONDecoder().decode(RequestProbe.self, from: Data(bytes))
            }
        } catch DecodingError.typeMismatch {
            throw GatewayError.badRequest("request body must be a JSON object")
        } catch {
            throw GatewayError.badRequest("request body is not valid JSON")
        }
    }
}
