import Hummingbird
import PoolCore

/// `GET /admin/cache/stats` and `POST /admin/cache/clear` for both caches: the model lists (top level, as
/// before) and the response cache (`responses`).
struct AdminCacheRoutes {
    let modelCache: ModelListCache
    let responseCache: ResponseCache
    let responseCacheTTL: Double
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("cache/stats") { _, _ in
            try JSONResponse.make(
                CacheStatsPayload(
                    models: modelCache.snapshot(now: clock.now),
                    responses: .init(ttlSeconds: responseCacheTTL, statistics: responseCache.statistics())))
        }
        group.post("cache/clear") { request, _ in
            let body = try await AdminBody.decode(
                ClearCacheRequest.self, from: request, limit: limits.maxBodyBytes, allowEmpty: true
            )
            let provider = try AdminRequest.providerIfGiven(query: request, body: body, catalog: providers.catalog)
            let token = request.uri.queryParameters.get("token") ?? body.token
            // Model lists belong to no token: a token's clear leaves them.
            let models = token == nil ? modelCache.clear(provider: provider) : 0
            let responses = responseCache.clear(provider: provider, tokenID: token)
            return try JSONResponse.make(
                CacheClearedPayload(cleared: models + responses, models: models, responses: responses))
        }
    }
}

/// `GET /admin/cache/stats`: the model list cache's snapshot at the top level and the response cache under
/// `responses`.
struct CacheStatsPayload: Encodable {
    var models: ModelListCache.Snapshot
    var responses: ResponseCachePayload

    /// The response cache's counters and its TTL.
    struct ResponseCachePayload: Encodable {
        var ttlSeconds: Double
        var statistics: ResponseCacheStatistics

        enum CodingKeys: String, CodingKey { case ttlSeconds }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(ttlSeconds, forKey: .ttlSeconds)
            try statistics.encode(to: encoder)
        }
    }

    enum CodingKeys: String, CodingKey { case responses }

    func encode(to encoder: any Encoder) throws {
        try models.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(responses, forKey: .responses)
    }
}
