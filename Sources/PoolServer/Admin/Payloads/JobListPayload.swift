/// `GET /admin/jobs`: recent jobs, without their results.
struct JobListPayload: Encodable {
    var jobs: [JobSnapshot]
}
