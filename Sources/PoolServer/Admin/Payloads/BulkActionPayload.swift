/// `POST /admin/keys/bulk`: what the action matched and changed.
struct BulkActionPayload: Encodable {
    var success = true
    var action: String
    /// Keys the selection named.
    var matched: Int
    /// Keys the action changed (for `verify`: keys being checked).
    var changed: Int
    var notFound: Int
    /// `verify`: the job checking the keys.
    var jobId: String?
}
