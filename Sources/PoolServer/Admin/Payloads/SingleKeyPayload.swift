/// The key an action added (`POST /admin/api-keys`) or changed (`/admin/keys/enable|disable`), as it is now.
struct SingleKeyPayload: Encodable {
    var success = true
    var key: KeyPayload
}
