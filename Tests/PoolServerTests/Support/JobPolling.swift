import Foundation
import NIOHTTP1

extension TestGateway {
    /// Polls `GET /admin/jobs/{id}` until the job is no longer running and returns its last snapshot.
    func awaitJob(_ id: String) async throws -> [String: Any] {
        while true {
            let reply = try await admin(.GET, "/admin/jobs/\(id)")
            precondition(reply.status == 200, "job lookup failed: \(reply.body)")
            if reply.json["state"] as? String != "running" { return reply.json }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Posts `json` to a route that starts a job, expects 202, and returns the finished job.
    func runJob(_ path: String, json: Any) async throws -> [String: Any] {
        let reply = try await admin(.POST, path, json: json)
        precondition(reply.status == 202, "\(path) did not start a job: \(reply.status) \(reply.body)")
        return try await awaitJob(reply.json["job_id"] as! String)
    }
}

/// A model list as Ollama's `GET /api/tags` answers it.
func tagsBody(_ models: [String]) -> String {
    let entries = models.map { #"{"name":"\#($0)","model":"\#($0)","size":1}"# }
    return #"{"models":[\#(entries.joined(separator: ","))]}"#
}
