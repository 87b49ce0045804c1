import PoolCore

/// `GET /admin/stats`: the dashboard's overview of one pool.
///
/// Every request counts in exactly one of `success_count`, `client_error_count`, `upstream_failure_count`,
/// `refused_count` and `unclassified_failure_count`; `failure_count` is the sum of all but the first.
struct StatsOverviewPayload: Encodable {
    var provider: String
    var keys: StatusCountsPayload
    /// Client tokens, of every provider.
    var tokens: Int
    var totalRequests: Int
    var successCount: Int
    /// Every request that did not succeed, whatever the reason.
    var failureCount: Int
    /// The upstream's answer judged the client's request (400, 404, 413, 422, …) and was passed back.
    var clientErrorCount: Int
    /// Every attempt failed upstream; the gateway answered 502 or 503.
    var upstreamFailureCount: Int
    /// The gateway refused the request without an upstream answer.
    var refusedCount: Int
    /// `refused_count` by reason (`RefusalReason` raw values), every reason present.
    var refusedByReason: [String: Int]
    /// Failures counted before requests were classified (a database from an older version).
    var unclassifiedFailureCount: Int
    /// The requests the success rate is about: successes, upstream failures and unclassified failures.
    var successRateBasis: Int
    /// Percent of `success_rate_basis` that succeeded, to one decimal; 0 while the basis is 0.
    var successRate: Double
    /// Since midnight, server time.
    var requestsToday: Int
    var uptimeSeconds: Int

    init(
        provider: ProviderID, keys: StatusCountsPayload, tokens: Int, totals: GlobalStatsRecord, requestsToday: Int,
        uptimeSeconds: Int
    ) {
        self.provider = provider.rawValue
        self.keys = keys
        self.tokens = tokens
        totalRequests = totals.requests
        successCount = totals.successes
        failureCount = totals.failures
        clientErrorCount = totals.clientErrors
        upstreamFailureCount = totals.upstreamFailures
        refusedCount = totals.refused
        refusedByReason = Self.byReason(totals.refusals)
        unclassifiedFailureCount = totals.unclassifiedFailures
        successRateBasis = totals.successRateBasis
        successRate = ((totals.successRate ?? 0) * 1000).rounded() / 10
        self.requestsToday = requestsToday
        self.uptimeSeconds = uptimeSeconds
    }

    /// Every reason, zero where none happened, so clients see the whole list.
    static func byReason(_ refusals: [RefusalReason: Int]) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: RefusalReason.allCases.map { ($0.rawValue, refusals[$0, default: 0]) })
    }
}
