/// `DELETE /admin/providers/{name}`: which provider went, and how many of its keys with it.
struct ProviderDeletedPayload: Encodable {
    var success = true
    var deleted: String
    var keysDeleted: Int

    enum CodingKeys: String, CodingKey {
        case success, deleted
        case keysDeleted = "keys_deleted"
    }
}
