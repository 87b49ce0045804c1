/// Every import route's body: keys as a text in `content` or as an array in `keys` or `accounts` (see
/// `ImportBody` for which wins), and the pool, expiry, server (`base_url`) and placement (`weight`, `tier`) they
/// join with.
struct ImportKeysRequest: AdminRequestBody, ProviderNaming {
    /// The two names an import array goes by; each route prefers one.
    enum ArrayField: String, Sendable {
        case keys, accounts
    }

    var content: String?
    var keys: ImportItems?
    var accounts: ImportItems?
    var provider: String?
    var expiry: ExpiryFields
    var placement: KeyPlacementFields

    init(_ fields: BodyFields) throws {
        content = try fields.value("content")
        keys = try fields.value("keys")
        accounts = try fields.value("accounts")
        provider = try fields.value("provider")
        expiry = try ExpiryFields(fields)
        placement = try KeyPlacementFields(fields)
    }

    /// The array under `preferred`, else under the other name.
    func items(preferring preferred: ArrayField) -> ImportItems? {
        switch preferred {
        case .keys: keys ?? accounts
        case .accounts: accounts ?? keys
        }
    }
}
