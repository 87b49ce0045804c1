import Hummingbird
import PoolCore

/// `GET /admin/cache/stats` and `POST /admin/cache/clear` for the model list cache.
struct AdminCacheRoutes {
    let gateway: Gateway

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("cache/stats") { _, _ in
            try JSONResponse.make(gateway.modelCache.snapshot(now: gateway.clock.now))
        }
        group.post("cache/clear") { request, _ in
            var request = request
            let body = try await JSONBody.read(&request, limit: gateway.configuration.limits.maxBodyBytes, allowEmpty: true)
            let provider = try AdminRequest.providerIfGiven(query: request, body: body)
            struct Answer: Encodable {
                var success = true
                var cleared: Int
            }
            return try JSONResponse.make(Answer(cleared: gateway.modelCache.clear(provider: provider)))
        }
    }
}
