/// The fields of a JSON object body, read by name. The one place that knows the reference's field aliases
/// (`apiKey`/`api_key`/`key`, `expiresAt`/`expires_at`, …) and the rules every admin body shares: `null` is the
/// same as absent, unknown fields are ignored, and a field of the wrong type is a 400 naming it.
struct BodyFields {
    private let container: KeyedDecodingContainer<Name>

    /// - Throws: `DecodingError` when the body is not a JSON object (`AdminBody` answers it with a 400).
    init(_ decoder: any Decoder) throws {
        container = try decoder.container(keyedBy: Name.self)
    }

    /// The first name of `fields` that is present and not `null`, decoded; nil when none is. Later names are not
    /// read once one is present, so an alias left over beside the field in use cannot fail the request.
    /// - Throws: `GatewayError` 400 `field '<name>' must be <a string, a number, …>`.
    func value<Value: BodyValue>(_ fields: FieldName...) throws -> Value? {
        for name in fields.flatMap(\.names) {
            let key = Name(stringValue: name)
            guard container.contains(key), !(try container.decodeNil(forKey: key)) else { continue }
            do {
                return try container.decode(Value.self, forKey: key)
            } catch let error as DecodingError {
                throw GatewayError.badRequest("field '\(name)' must be \(Value.expectation(error))")
            }
        }
        return nil
    }

    /// Whether the first present name of `fields` is absent, `null` (for a change: clear it) or a value; the
    /// one place `null` is not the same as absent, for `PATCH` bodies.
    /// - Throws: `GatewayError` 400 as ``value(_:)``.
    func change<Value: BodyValue>(_ fields: FieldName...) throws -> FieldChange<Value> {
        for name in fields.flatMap(\.names) {
            let key = Name(stringValue: name)
            guard container.contains(key) else { continue }
            if try container.decodeNil(forKey: key) { return .cleared }
            do {
                return .set(try container.decode(Value.self, forKey: key))
            } catch let error as DecodingError {
                throw GatewayError.badRequest("field '\(name)' must be \(Value.expectation(error))")
            }
        }
        return .absent
    }

    /// Any field name.
    private struct Name: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }

        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A body field and the names the reference service also accepts for it; a plain string literal names a field
/// without aliases. Every alias is declared here, once.
struct FieldName: ExpressibleByStringLiteral, Sendable {
    let names: [String]

    init(_ names: String...) { self.names = names }
    init(stringLiteral name: String) { names = [name] }

    /// An upstream key's secret.
    static let apiKey = FieldName("apiKey", "api_key", "key")
    /// An expiry date (ISO 8601).
    static let expiresAt = FieldName("expiresAt", "expires_at")
    /// Token policy fields (issue #15): the snake_case names are the documented ones.
    static let requestQuota = FieldName("request_quota", "requestQuota")
    static let tokenQuota = FieldName("token_quota", "tokenQuota")
    static let quotaPeriod = FieldName("quota_period", "quotaPeriod")
    static let cacheScope = FieldName("cache_scope", "cacheScope")
    static let cacheTTL = FieldName("cache_ttl", "cacheTTL")
    /// A key's own upstream root (a self-hosted server), or a provider's (issue #17).
    static let baseURL = FieldName("base_url", "baseUrl", "baseURL")
    /// A client token's id (`POST /admin/cache/clear`).
    static let token = FieldName("token", "token_id", "tokenId")
}

/// A field of a change (`PATCH`): left as it is, cleared with `null`, or set.
enum FieldChange<Value: Sendable>: Sendable {
    case absent
    case cleared
    case set(Value)
}
