import Foundation
import Synchronization

/// A job's result, whatever its type, for encoding.
struct AnyEncodableResult: Encodable, Sendable {
    let value: any Encodable & Sendable

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
    }
}
