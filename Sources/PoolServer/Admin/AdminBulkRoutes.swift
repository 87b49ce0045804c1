import Foundation
import Hummingbird
import Logging
import PoolCore
import PoolStore

/// `POST /admin/keys/bulk`: enable, disable, delete or verify many keys at once, chosen by `{ids}` or a status
/// filter, answering with counts.
struct AdminBulkRoutes {
    let gateway: Gateway
    let starter: KeyCheckJobs

    var limit: Int { gateway.configuration.limits.maxBodyBytes }

    /// The actions, in the words the API takes.
    static let actions = ["enable", "disable", "delete", "verify"]

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.post("keys/bulk") { request, _ in try await bulk(request) }
    }

    private struct Answer: Encodable {
        var success = true
        var action: String
        /// Keys the selection named.
        var matched: Int
        /// Keys the action changed (for `verify`: keys being checked).
        var changed: Int
        var notFound: Int
        var jobId: String?
    }

    private func bulk(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: limit)
        let action = try body.requiredString("action")
        guard Self.actions.contains(action) else {
            throw GatewayError.badRequest("unknown action '\(action)'; use one of \(Self.actions.joined(separator: ", "))")
        }
        // Validate everything before touching any key.
        let duration = action == "disable" ? try disableDuration(body) : nil
        let selection = try KeySelection.read(body, request: request, pool: gateway.pool, default: .required)
        var answer = Answer(action: action, matched: selection.ids.count, changed: 0, notFound: selection.notFound)
        switch action {
        case "enable":
            answer.changed = try await changeHealth(selection.ids) { health, _ in health.enable() }
        case "disable":
            answer.changed = try await changeHealth(selection.ids) { health, now in health.disable(for: duration, at: now) }
        case "delete":
            try await gateway.store.deleteKeys(ids: selection.ids)
            answer.changed = gateway.pool.remove(ids: selection.ids).count
        default:
            let job = starter.startCheck(kind: "verify", ids: selection.ids)
            answer.changed = selection.ids.count
            answer.jobId = job.id
            return try JSONResponse.make(answer, status: .accepted)
        }
        gateway.logger.info("bulk key action", metadata: [
            "action": "\(action)", "matched": "\(answer.matched)", "changed": "\(answer.changed)",
        ])
        return try JSONResponse.make(answer)
    }

    /// `duration` in seconds; 0 or absent disables until enabled.
    private func disableDuration(_ body: JSONBody) throws -> TimeInterval? {
        let seconds = try body.number("duration") ?? 0
        guard seconds.isFinite, seconds >= 0 else { throw GatewayError.badRequest("field 'duration' must be ≥ 0 seconds") }
        return seconds == 0 ? nil : seconds
    }

    /// Applies `change` to every key and stores the healths that changed, in one transaction.
    private func changeHealth(_ ids: [String], _ change: (inout KeyHealth, Date) -> Void) async throws -> Int {
        var changed: [KeyHealthRecord] = []
        for id in ids {
            var before: KeyHealth?
            let after = gateway.pool.updateHealth(id: id) { health, now in
                before = health
                change(&health, now)
            }
            if let after, after != before { changed.append(KeyHealthRecord(keyID: id, health: after)) }
        }
        try await gateway.store.updateKeyHealth(changed)
        return changed.count
    }
}
