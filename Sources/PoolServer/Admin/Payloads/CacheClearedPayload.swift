/// `POST /admin/cache/clear`: how many entries were dropped, in all and per cache.
struct CacheClearedPayload: Encodable {
    var success = true
    var cleared: Int
    /// Model lists dropped.
    var models: Int
    /// Cached answers dropped.
    var responses: Int
}
