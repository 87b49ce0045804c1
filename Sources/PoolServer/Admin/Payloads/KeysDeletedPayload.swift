/// `DELETE /admin/api-keys`: how many of the named keys were deleted, and their ids.
struct KeysDeletedPayload: Encodable {
    var success = true
    var deleted: Int
    /// References that named no key.
    var notFound: Int
    var ids: [String]
}
