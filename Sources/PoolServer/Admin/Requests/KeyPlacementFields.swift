/// The fields that say where keys go (issue #17): `base_url` (the key's own server), `weight` (1…100) and `tier`
/// (1…9). Part of the add-key and import bodies; `weight` and `tier` alone are the placement change's body.
struct KeyPlacementFields: Sendable {
    var baseURL: String?
    var weight: Double?
    var tier: Double?

    init(_ fields: BodyFields) throws {
        baseURL = try fields.value(.baseURL)
        weight = try fields.value("weight")
        tier = try fields.value("tier")
    }

    /// The defaults these fields give an import's keys.
    /// - Throws: `GatewayError` 400 naming the field.
    func importDefaults() throws -> ImportDefaults {
        let weight = try Self.whole(weight, "weight")
        let tier = try Self.whole(tier, "tier")
        do {
            return try ImportDefaults.checked(baseURL: baseURL, weight: weight, tier: tier)
        } catch {
            throw GatewayError.badRequest(error.message)
        }
    }

    /// A number field that must be a whole number, as an `Int` (range checks are the caller's).
    static func whole(_ value: Double?, _ name: String) throws -> Int? {
        guard let value else { return nil }
        guard value.isFinite, value.rounded() == value, abs(value) < 1_000_000 else {
            throw GatewayError.badRequest("field '\(name)' must be a whole number")
        }
        return Int(value)
    }
}
