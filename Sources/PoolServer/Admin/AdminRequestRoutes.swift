import Hummingbird
import PoolCore

/// `GET /admin/requests` (the request log, filtered and paged by cursor) and `GET /admin/usage` (usage per token,
/// key or model by hour or day), both read from ``RequestLog``. A filter that cannot be read is a 400.
struct AdminRequestRoutes {
    let log: RequestLog
    let clock: any PoolClock

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.get("requests") { request, _ in
            let query: RequestListQuery
            do {
                query = try RequestListQuery.parse(Self.parameters(request))
            } catch let error as RequestQueryError {
                throw GatewayError.badRequest(error.message)
            }
            return try JSONResponse.make(RequestListPayload(await log.page(query)))
        }
        group.get("usage") { request, _ in
            let query: UsageQuery
            do {
                query = try UsageQuery.parse(Self.parameters(request), now: clock.now)
            } catch let error as RequestQueryError {
                throw GatewayError.badRequest(error.message)
            }
            return try JSONResponse.make(UsagePayload(query: query, rows: await log.usage(query)))
        }
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
