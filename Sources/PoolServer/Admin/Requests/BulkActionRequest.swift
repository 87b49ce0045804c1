/// `POST /admin/keys/bulk`: an `action` (`enable`, `disable`, `delete`, `verify`), the keys it is about, and for
/// disable a `duration` in seconds (0 or absent: until enabled).
struct BulkActionRequest: Decodable, Sendable {
    var action: String?
    var duration: Double?
    var selection: KeySelectionRequest

    init(from decoder: any Decoder) throws {
        let fields = try BodyFields(decoder)
        action = try fields.value("action")
        duration = try fields.value("duration")
        selection = try KeySelectionRequest(from: decoder)
    }
}
