import NIOCore
import PoolCore

/// The two fields of a client's request body the gateway needs; everything else passes through untouched.
struct RequestProbe {
    var model: String?
    var stream: Bool?

    /// Reads the body; malformed JSON or a non-object is the client's error, answered before any key is spent.
    /// Wrong types for `model` or `stream` are the upstream's to judge; the gateway only must not misroute or crash.
    static func read(_ body: ByteBuffer) throws -> RequestProbe {
        guard body.readableBytes > 0 else {
            throw GatewayError.badRequest("request body is empty; expected a JSON object")
        }
        let members: JSONScanner.Members
        do {
            members = try body.withUnsafeReadableBytes { bytes throws(JSONScanner.Failure) in
                try JSONScanner.members(of: bytes, named: Self.names)
            }
        } catch .notAnObject {
            throw GatewayError.badRequest("request body must be a JSON object")
        } catch .tooDeep {
            throw GatewayError.badRequest("request body is nested deeper than \(JSONScanner.maximumDepth) levels")
        } catch {
            throw GatewayError.badRequest("request body is not valid JSON")
        }
        var probe = RequestProbe()
        if case .string(let model) = members[0] { probe.model = model }
        if case .bool(let stream) = members[1] { probe.stream = stream }
        return probe
    }

    private static let names: JSONScanner.MemberNames = ["model", "stream"]
}
