/// `POST /admin/keys/enable` and `/admin/keys/disable`: one key by `id` (or `apiKey`/`api_key`, ids or
/// secrets), and for disable a `duration` in seconds (0 or absent: until enabled).
struct ChangeKeyHealthRequest: AdminRequestBody, ProviderNaming {
    var reference: String?
    var duration: Double?
    var provider: String?

    init(_ fields: BodyFields) throws {
        reference = try fields.value("id", .apiKey)
        duration = try fields.value("duration")
        provider = try fields.value("provider")
    }
}
