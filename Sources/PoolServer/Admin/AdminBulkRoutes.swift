import Foundation
import Hummingbird
import Logging
import PoolCore
import PoolStore

/// `POST /admin/keys/bulk`: enable, disable, delete or verify many keys at once, chosen by `{ids}` or a status
/// filter, answering with counts.
struct AdminBulkRoutes {
    let pool: KeyPool
    let store: any PoolStore
    let limits: GatewayConfiguration.Limits
    let logger: Logger
    let starter: KeyCheckJobs
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    /// The actions, in the words the API takes.
    static let actions = ["enable", "disable", "delete", "verify"]

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.post("keys/bulk") { request, _ in try await bulk(request) }
    }

    private func bulk(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(BulkActionRequest.self, from: request, limit: limits.maxBodyBytes)
        let action = try AdminRequest.required(body.action, "action")
        guard Self.actions.contains(action) else {
            throw GatewayError.badRequest(
                "unknown action '\(action)'; use one of \(Self.actions.joined(separator: ", "))")
        }
        // Validate everything before touching any key.
        let duration = action == "disable" ? try AdminRequest.disableDuration(body.duration) : nil
        let selection = try KeySelection.read(
            body.selection, request: request, pool: pool, catalog: providers.catalog, default: .required)
        var answer = BulkActionPayload(
            action: action, matched: selection.ids.count, changed: 0, notFound: selection.notFound
        )
        switch action {
        case "enable":
            answer.changed = try await changeHealth(selection.ids) { health, _ in health.enable() }
        case "disable":
            answer.changed = try await changeHealth(selection.ids) { health, now in
                health.disable(for: duration, at: now)
            }
        case "delete":
            try await store.deleteKeys(ids: selection.ids)
            answer.changed = pool.remove(ids: selection.ids).count
        default:
            let job = await starter.startCheck(kind: "verify", ids: selection.ids)
            answer.changed = selection.ids.count
            answer.jobId = job.id
            return try JSONResponse.make(answer, status: .accepted)
        }
        logger.info(
            "bulk key action",
            metadata: [
                "action": "\(action)", "matched": "\(answer.matched)", "changed": "\(answer.changed)",
            ])
        return try JSONResponse.make(answer)
    }

    /// Applies `change` to every key and stores the healths that changed, in one transaction.
    private func changeHealth(_ ids: [String], _ change: (inout KeyHealth, Date) -> Void) async throws -> Int {
        var changed: [KeyHealthRecord] = []
        for id in ids {
            var before: KeyHealth?
            let after = pool.updateHealth(id: id) { health, now in
                before = health
                change(&health, now)
            }
            if let after, after != before { changed.append(KeyHealthRecord(keyID: id, health: after)) }
        }
        try await store.updateKeyHealth(changed)
        return changed.count
    }
}
