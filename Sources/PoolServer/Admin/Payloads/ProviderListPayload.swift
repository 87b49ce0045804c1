/// `GET /admin/providers`: every provider in the catalog's order (built-ins first).
struct ProviderListPayload: Encodable {
    var providers: [ProviderPayload]
}
