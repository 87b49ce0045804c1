import Foundation

/// What `GET /admin/requests` asks for: a filter, a page size and where the page starts.
public struct RequestListQuery: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maxLimit = 500

    public var filter: RequestFilter
    public var limit: Int
    public var cursor: RequestCursor?

    public init(filter: RequestFilter = RequestFilter(), limit: Int = defaultLimit, cursor: RequestCursor? = nil) {
        self.filter = filter
        self.limit = limit
        self.cursor = cursor
    }

    /// Reads the query's parameters (`token`, `key`, `model`, `provider`, `status`, `since`, `until`, `q`, `limit`,
    /// `cursor`); empty values count as absent, unknown names are ignored.
    public static func parse(_ parameters: [String: String]) throws(RequestQueryError) -> RequestListQuery {
        func value(_ name: String) -> String? {
            guard let value = parameters[name], !value.isEmpty else { return nil }
            return value
        }
        var query = RequestListQuery()
        query.filter = try parseFilter(parameters)
        query.filter.tokenID = value("token")
        query.filter.keyID = value("key")
        query.filter.model = value("model")
        query.filter.text = value("q")
        if let text = value("status") { query.filter.status = try parseStatus(text) }
        if let text = value("limit") {
            guard let limit = Int(text), (1...maxLimit).contains(limit) else {
                throw RequestQueryError("'limit' must be a whole number from 1 to \(maxLimit)")
            }
            query.limit = limit
        }
        if let text = value("cursor") {
            guard let cursor = RequestCursor(text: text) else {
                throw RequestQueryError("'cursor' is not a cursor this gateway gave out")
            }
            query.cursor = cursor
        }
        return query
    }

    /// The parameters both queries share: `provider`, `since` and `until`.
    public static func parseFilter(_ parameters: [String: String]) throws(RequestQueryError) -> RequestFilter {
        var filter = RequestFilter()
        if let name = parameters["provider"], !name.isEmpty {
            do {
                filter.provider = try ProviderID.parse(name)
            } catch {
                throw RequestQueryError(error.description)
            }
        }
        filter.since = try time(parameters, "since")
        filter.until = try time(parameters, "until")
        if let since = filter.since, let until = filter.until, since > until {
            throw RequestQueryError("'since' is after 'until'")
        }
        return filter
    }

    /// `429`, `2xx` … `5xx`, or `error` (any status ≥ 400).
    public static func parseStatus(_ text: String) throws(RequestQueryError) -> RequestFilter.Status {
        let lowered = text.lowercased()
        if lowered == "error" { return .error }
        if lowered.count == 3, lowered.hasSuffix("xx"), let digit = lowered.first?.wholeNumberValue,
            (1...5).contains(digit)
        {
            return .statusClass(digit)
        }
        if let code = Int(lowered), (100...599).contains(code) { return .code(code) }
        throw RequestQueryError("'status' must be a status code (429), a class (2xx, 4xx, 5xx) or 'error'")
    }

    private static func time(_ parameters: [String: String], _ name: String) throws(RequestQueryError) -> Date? {
        guard let text = parameters[name], !text.isEmpty else { return nil }
        guard let date = RequestTime.parse(text) else {
            throw RequestQueryError("'\(name)' must be an ISO 8601 time (2026-12-06T10:00:00Z) or Unix seconds")
        }
        return date
    }
}
