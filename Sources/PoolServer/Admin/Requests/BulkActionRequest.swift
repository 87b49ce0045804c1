/// `POST /admin/keys/bulk`: an `action` (`enable`, `disable`, `delete`, `verify`), the keys it is about, and for
/// disable a `duration` in seconds (0 or absent: until enabled).
struct BulkActionRequest: AdminRequestBody {
    var action: String?
    var duration: Double?
    var selection: KeySelectionRequest

    init(_ fields: BodyFields) throws {
        action = try fields.value("action")
        duration = try fields.value("duration")
        selection = try KeySelectionRequest(fields)
    }
}
