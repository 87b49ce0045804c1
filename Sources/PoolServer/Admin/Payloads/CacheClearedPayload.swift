/// `POST /admin/cache/clear`: how many model list entries were dropped.
struct CacheClearedPayload: Encodable {
    var success = true
    var cleared: Int
}
