import Foundation
import Hummingbird
import PoolCore

/// The keys an admin action over many keys is about: `{ids:[…]}` (ids or full secrets), or a `status` filter
/// (`active`, `cooling`, `disabled`, `invalid`, `expired` or `all`) over one pool.
struct KeySelection {
    /// Ids of matched keys, each once, in the order given (by ids) or in creation order (by status).
    var ids: [String]
    /// References in `ids` that named no key.
    var notFound: Int

    enum Default {
        /// Without `ids` or `status`, every key of the pool.
        case everyKey
        /// Without `ids` or `status`, a 400: destructive actions must name their keys.
        case required
    }

    static func read(
        _ body: KeySelectionRequest, request: Request, pool: KeyPool, catalog: ProviderCatalog,
        default fallback: Default
    ) throws -> KeySelection {
        if let references = body.ids {
            let provider = try AdminRequest.providerIfGiven(query: request, body: body, catalog: catalog)
            var seen = Set<String>()
            var ids: [String] = []
            var notFound = 0
            for reference in references {
                guard let id = pool.resolveID(reference, provider: provider) else {
                    notFound += 1
                    continue
                }
                if seen.insert(id).inserted { ids.append(id) }
            }
            return KeySelection(ids: ids, notFound: notFound)
        }
        let provider = try AdminRequest.provider(query: request, body: body, catalog: catalog)
        let status = body.status ?? request.uri.queryParameters.get("status")
        guard let status else {
            guard case .everyKey = fallback else {
                throw GatewayError.badRequest(
                    "name the keys: 'ids' (an array of ids or keys) or 'status' (a status or 'all')")
            }
            return KeySelection(ids: pool.views(provider: provider).map(\.id), notFound: 0)
        }
        if status == "all" { return KeySelection(ids: pool.views(provider: provider).map(\.id), notFound: 0) }
        guard let wanted = KeyStatus(rawValue: status) else {
            throw GatewayError.badRequest(
                "unknown status '\(status)'; use one of \(KeyStatus.allCases.map(\.rawValue).joined(separator: ", ")) or all"
            )
        }
        return KeySelection(ids: pool.views(provider: provider).filter { $0.status == wanted }.map(\.id), notFound: 0)
    }
}
