import Hummingbird
import PoolCore

/// `GET /admin/cache/stats` and `POST /admin/cache/clear` for the model list cache.
struct AdminCacheRoutes {
    let modelCache: ModelListCache
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("cache/stats") { _, _ in
            try JSONResponse.make(modelCache.snapshot(now: clock.now))
        }
        group.post("cache/clear") { request, _ in
            let body = try await AdminBody.decode(
                ClearCacheRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
            )
            let provider = try AdminRequest.providerIfGiven(query: request, body: body)
            return try JSONResponse.make(CacheClearedPayload(cleared: modelCache.clear(provider: provider)))
        }
    }
}
