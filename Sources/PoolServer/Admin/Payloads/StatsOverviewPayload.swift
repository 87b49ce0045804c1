/// `GET /admin/stats`: the dashboard's overview of one pool.
struct StatsOverviewPayload: Encodable {
    var provider: String
    var keys: StatusCountsPayload
    /// Client tokens, of every provider.
    var tokens: Int
    var totalRequests: Int
    var successCount: Int
    var failureCount: Int
    /// Percent, to one decimal.
    var successRate: Double
    /// Since midnight, server time.
    var requestsToday: Int
    var uptimeSeconds: Int
}
