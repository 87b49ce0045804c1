import Foundation

/// When something an admin adds expires: `ttl` (seconds from now; 0 or absent: never) or `expiresAt`
/// (alias `expires_at`, ISO 8601). Part of the key, import and token bodies.
struct ExpiryFields: Sendable {
    var ttl: Double?
    var expiresAt: String?

    init(_ fields: BodyFields) throws {
        ttl = try fields.value("ttl")
        // A ttl wins, and the date is then not read at all, as before typed bodies.
        expiresAt = ttl == nil ? try fields.value(.expiresAt) : nil
    }

    /// The expiry these fields ask for, or nil for never.
    func date(now: Date) throws -> Date? {
        if let ttl {
            let ttl = try AdminRequest.span(ttl, field: "ttl")
            return ttl == 0 ? nil : now.addingTimeInterval(ttl)
        }
        guard let expiresAt else { return nil }
        guard let date = ISO8601DateFormatter().date(from: expiresAt),
            abs(date.timeIntervalSince(now)) <= AdminRequest.longestSpan
        else {
            throw GatewayError.badRequest("field 'expiresAt' must be an ISO 8601 date within a hundred years")
        }
        return date
    }
}
