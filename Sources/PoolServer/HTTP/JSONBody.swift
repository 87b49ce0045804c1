import Foundation
import Hummingbird
import NIOCore

/// A decoded JSON object from a request body, with accessors that answer wrong or missing fields with a 400
/// naming the field. Sendable by hand: the parsed object is never changed after parsing.
struct JSONBody: @unchecked Sendable {
    let fields: [String: Any]

    /// Reads and parses the body; an empty body is an empty object when `allowEmpty`.
    static func read(_ request: inout Request, limit: Int, allowEmpty: Bool = false) async throws -> JSONBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw GatewayError(.contentTooLarge, "request body is larger than the limit of \(limit) bytes")
        }
        if buffer.readableBytes == 0 {
            guard allowEmpty else { throw GatewayError.badRequest("request body is empty; expected a JSON object") }
            return JSONBody(fields: [:])
        }
        let data = Data(buffer.readableBytesView)
        return try await OffLoop.run { try parse(data) }
    }

    static func parse(_ data: Data) throws -> JSONBody {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw GatewayError.badRequest("request body is not valid JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw GatewayError.badRequest("request body must be a JSON object")
        }
        return JSONBody(fields: fields)
    }

    func has(_ name: String) -> Bool {
        guard let value = fields[name] else { return false }
        return !(value is NSNull)
    }

    func string(_ name: String) throws -> String? {
        guard has(name) else { return nil }
        guard let value = fields[name] as? String else { throw GatewayError.badRequest("field '\(name)' must be a string") }
        return value
    }

    func requiredString(_ name: String) throws -> String {
        guard let value = try string(name), !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw GatewayError.badRequest("field '\(name)' is required")
        }
        return value
    }

    func number(_ name: String) throws -> Double? {
        guard has(name) else { return nil }
        // JSONSerialization hands out booleans as NSNumber too; their objCType "c" tells them apart.
        guard let value = fields[name] as? NSNumber, String(cString: value.objCType) != "c" else {
            throw GatewayError.badRequest("field '\(name)' must be a number")
        }
        return value.doubleValue
    }

    func array(_ name: String) throws -> [Any]? {
        guard has(name) else { return nil }
        guard let value = fields[name] as? [Any] else { throw GatewayError.badRequest("field '\(name)' must be an array") }
        return value
    }

    func stringArray(_ name: String) throws -> [String]? {
        guard let values = try array(name) else { return nil }
        return try values.map { element in
            guard let text = element as? String else { throw GatewayError.badRequest("field '\(name)' must be an array of strings") }
            return text
        }
    }
}
