/// `PATCH /admin/api-keys/{id}`: the key's new `weight` (1…100) and/or `tier` (1…9); a field left out keeps
/// its value. The base URL is part of the key's identity and cannot change.
struct UpdateKeyRequest: AdminRequestBody {
    var weight: Double?
    var tier: Double?
    /// Present only to refuse it with a clear message.
    var baseURL: String?

    init(_ fields: BodyFields) throws {
        weight = try fields.value("weight")
        tier = try fields.value("tier")
        baseURL = try fields.value(.baseURL)
    }
}
