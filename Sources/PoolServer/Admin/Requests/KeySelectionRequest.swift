/// The fields that choose keys for an action over many (see `KeySelection`): `ids` (ids or secrets), or a
/// `status` (or `all`) within `provider`'s pool. The health-check body, and part of the bulk body.
struct KeySelectionRequest: AdminRequestBody, ProviderNaming {
    var ids: [String]?
    var status: String?
    var provider: String?

    init(_ fields: BodyFields) throws {
        ids = try fields.value("ids")
        status = try fields.value("status")
        provider = try fields.value("provider")
    }
}
