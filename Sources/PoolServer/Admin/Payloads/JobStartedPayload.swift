/// 202 for work that goes on in the background: the job to follow at `/admin/jobs/{id}`.
struct JobStartedPayload: Encodable {
    var success = true
    var jobId: String
    var kind: String
    /// Items the job will check.
    var total: Int
    /// Keys named that do not exist (key checks only).
    var notFound: Int?
}
