import Hummingbird
import PoolCore

/// `GET /admin/requests` (the request log, filtered and paged by cursor) and `GET /admin/usage` (usage per token,
/// key or model by hour or day), both read from ``RequestLog``. A filter that cannot be read is a 400.
struct AdminRequestRoutes {
    let log: RequestLog
    let clock: any PoolClock
    /// The live provider catalog: `provider=` may name any provider in it.
    let providers: ProviderRegistry

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("requests") { request, _ in
            var query: RequestListQuery
            var parameters = Self.parameters(request)
            let provider = try provider(&parameters)
            do {
                query = try RequestListQuery.parse(parameters)
            } catch let error as RequestQueryError {
                throw GatewayError.badRequest(error.message)
            }
            query.filter.provider = provider
            return try JSONResponse.make(RequestListPayload(await log.page(query)))
        }
        group.get("usage") { request, _ in
            var query: UsageQuery
            var parameters = Self.parameters(request)
            let provider = try provider(&parameters)
            do {
                query = try UsageQuery.parse(parameters, now: clock.now)
            } catch let error as RequestQueryError {
                throw GatewayError.badRequest(error.message)
            }
            query.provider = provider
            return try JSONResponse.make(UsagePayload(query: query, rows: await log.usage(query)))
        }
    }

    /// `provider=`, read against the live catalog and taken out of `parameters` (the PoolCore parsers know only
    /// the built-ins).
    private func provider(_ parameters: inout [String: String]) throws -> ProviderID? {
        guard let name = parameters.removeValue(forKey: "provider"), !name.isEmpty else { return nil }
        return try AdminRequest.parseProvider(name, catalog: providers.catalog)
    }

    /// The query's parameters by name (the first of a repeated one).
    static func parameters(_ request: Request) -> [String: String] {
        var parameters: [String: String] = [:]
        for (name, value) in request.uri.queryParameters where parameters[String(name)] == nil {
            parameters[String(name)] = String(value)
        }
        return parameters
    }
}
