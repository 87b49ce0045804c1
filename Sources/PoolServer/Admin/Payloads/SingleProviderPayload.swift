/// `GET /admin/providers/{name}` and the answers to a change: the provider as it is now.
struct SingleProviderPayload: Encodable {
    var success = true
    var provider: ProviderPayload
}
