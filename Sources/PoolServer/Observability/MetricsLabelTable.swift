import PoolCore
import Prometheus

/// The labelled series of the request metrics whose label sets grow with traffic (model and route), made once
/// each and found again by small integer keys: after a label set's first request, a request hashes its model and
/// route once each and builds no string. Guarded by ``MetricsRecorder``'s lock.
///
/// Label values stay bounded: at most ``modelLimit`` models and ``routeLimit`` routes get a label of their own;
/// the rest fold into `other`. A model earns its own label only once an upstream answered a request for it with a
/// 2xx (so it names a model that exists, not whatever text a client put in `model`); until then, and for any
/// model after the first ``modelLimit``, it is counted as `other`. A request that named no model is `none`.
struct MetricsLabelTable {
    /// Most models with a label of their own.
    static let modelLimit = 100
    /// Most routes with a label of their own (the route table has far fewer).
    static let routeLimit = 64
    /// The label of the folded models and routes.
    static let other = "other"
    /// The model label of a request that named no model.
    static let noModel = "none"

    /// The series of `pool_requests_total`.
    struct RequestKey: Hashable {
        var provider: Int
        var route: Int
        var statusClass: Int
        var model: Int
    }

    /// The series of `pool_request_duration_seconds`.
    struct RouteKey: Hashable {
        var provider: Int
        var route: Int
    }

    /// The series of `pool_tokens_total`.
    struct ModelKey: Hashable {
        var provider: Int
        var model: Int
    }

    /// `pool_tokens_total` of one provider and model, both kinds.
    struct TokenCounters {
        var prompt: Counter
        var completion: Counter
    }

    /// What one request counts into.
    struct Series {
        var requests: Counter
        var duration: ValueHistogram
        var tokens: TokenCounters?
    }

    let registry: PrometheusCollectorRegistry
    /// The providers by index; one seen for the first time (added to the catalog while running) is appended.
    private(set) var providers: [ProviderID]
    /// Model → index into `modelLabels` (index 0 is `other`, 1 is `none`).
    private var models: [String: Int] = [:]
    private var modelLabels = [Self.other, Self.noModel]
    /// Route → index into `routeLabels` (index 0 is `other`).
    private var routes: [String: Int] = [:]
    private var routeLabels = [Self.other]
    private var requests: [RequestKey: Counter] = [:]
    private var durations: [RouteKey: ValueHistogram] = [:]
    private var tokens: [ModelKey: TokenCounters] = [:]
    /// The last request's label inputs and series: under load most requests repeat the one before (same provider,
    /// route, model and status class), found again without hashing the route and model (~1,700 instructions).
    private var last:
        (provider: Int, route: String, model: String?, statusClass: Int, withTokens: Bool, series: Series)?

    init(registry: PrometheusCollectorRegistry, providers: [ProviderID]) {
        self.registry = registry
        self.providers = providers
    }

    /// The provider's index, appending it when it is new; true when it was.
    mutating func index(of provider: ProviderID) -> (index: Int, isNew: Bool) {
        for index in providers.indices where providers[index] == provider { return (index, false) }
        providers.append(provider)
        return (providers.count - 1, true)
    }

    /// How many models have a label of their own.
    var labelledModelCount: Int { models.count }

    /// The series a finished request counts into (made on its label set's first request).
    /// - Parameters:
    ///   - provider: the provider's index in `providers`.
    ///   - statusClass: 1…5 for `1xx`…`5xx`.
    ///   - withTokens: whether the request reported token usage.
    mutating func series(
        provider: Int, record: RequestRecord, statusClass: Int, withTokens: Bool
    ) -> Series {
        // The same inputs give the same series: a model or route admitted by the last request stays admitted, one
        // refused stays refused until another request (which replaces `last`) admits it.
        if let last, last.provider == provider, last.statusClass == statusClass, last.withTokens == withTokens,
            last.route == record.route, last.model == record.model
        {
            return last.series
        }
        let series = makeSeries(provider: provider, record: record, statusClass: statusClass, withTokens: withTokens)
        last = (provider, record.route, record.model, statusClass, withTokens, series)
        return series
    }

    private mutating func makeSeries(
        provider: Int, record: RequestRecord, statusClass: Int, withTokens: Bool
    ) -> Series {
        let model = modelIndex(record.model, answered: statusClass == 2)
        let route = routeIndex(record.route)
        let requestKey = RequestKey(provider: provider, route: route, statusClass: statusClass, model: model)
        let requestCounter = requests[requestKey] ?? makeRequestCounter(requestKey)
        let routeKey = RouteKey(provider: provider, route: route)
        let duration = durations[routeKey] ?? makeDuration(routeKey)
        var tokenCounters: TokenCounters?
        if withTokens {
            let modelKey = ModelKey(provider: provider, model: model)
            tokenCounters = tokens[modelKey] ?? makeTokenCounters(modelKey)
        }
        return Series(requests: requestCounter, duration: duration, tokens: tokenCounters)
    }

    /// The model's label index: its own once admitted, else `other` (or `none` for no model).
    private mutating func modelIndex(_ model: String?, answered: Bool) -> Int {
        guard let model else { return 1 }
        if let index = models[model] { return index }
        guard answered, models.count < Self.modelLimit, Self.isFitLabel(model) else { return 0 }
        modelLabels.append(model)
        models[model] = modelLabels.count - 1
        return modelLabels.count - 1
    }

    private mutating func routeIndex(_ route: String) -> Int {
        if let index = routes[route] { return index }
        guard routes.count < Self.routeLimit, Self.isFitLabel(route) else { return 0 }
        routeLabels.append(route)
        routes[route] = routeLabels.count - 1
        return routeLabels.count - 1
    }

    /// A model name or route fit to be a label value: short, and printable text without control characters.
    static func isFitLabel(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128
            && text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F }
    }

    private mutating func makeRequestCounter(_ key: RequestKey) -> Counter {
        let counter = registry.makeCounter(
            descriptor: MetricsNames.requests,
            labels: [
                ("provider", providers[key.provider].rawValue), ("route", routeLabels[key.route]),
                ("status_class", "\(key.statusClass)xx"), ("model", modelLabels[key.model]),
            ])
        requests[key] = counter
        return counter
    }

    private mutating func makeDuration(_ key: RouteKey) -> ValueHistogram {
        let histogram = registry.makeValueHistogram(
            descriptor: MetricsNames.requestDuration,
            labels: [("provider", providers[key.provider].rawValue), ("route", routeLabels[key.route])],
            buckets: MetricsNames.secondsBuckets)
        durations[key] = histogram
        return histogram
    }

    private mutating func makeTokenCounters(_ key: ModelKey) -> TokenCounters {
        let labels = [("provider", providers[key.provider].rawValue), ("model", modelLabels[key.model])]
        let counters = TokenCounters(
            prompt: registry.makeCounter(descriptor: MetricsNames.tokens, labels: labels + [("kind", "prompt")]),
            completion: registry.makeCounter(descriptor: MetricsNames.tokens, labels: labels + [("kind", "completion")])
        )
        tokens[key] = counters
        return counters
    }
}
