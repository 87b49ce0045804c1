import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PoolCore
import Synchronization

/// What every proxied request shares, and the failover policy's decisions: which key is next, what an upstream
/// answer or a transport failure means for the key, and what the client is told when no key can serve. It does no
/// I/O itself: `Front/ProxiedRequest` talks to the client and the upstream on its connection's event loop and asks
/// here, synchronously, at each step.
final class ProxyEngine: Sendable {
    let pool: KeyPool
    let tokens: TokenRegistry
    let modelCache: ModelListCache
    let clock: any PoolClock
    let upstream: GatewayConfiguration.UpstreamSettings
    let limits: GatewayConfiguration.Limits
    let reporter: AttemptReporter
    let client: UpstreamClient
    /// Token policies, per-IP protection and the response cache (issue #15), asked synchronously.
    let admission: ProxyAdmission
    /// The `Server` header Hummingbird puts on the other routes' answers, put on proxied answers too.
    let serverName: String?
    /// Told about every proxied request when it ends (the request log, the metrics, the access log).
    let observers: RequestObservers
    /// `LOG_BODIES`: request bodies go into the records (at most `RequestRecord.bodyLimit` of each).
    let logBodies: Bool
    /// The provider catalog and its route table, read per request.
    let providers: ProviderRegistry
    /// The origin and path of each distinct base URL a key carries (self-hosted servers), split once.
    private let keyBases = Mutex<[String: (origin: UpstreamOrigin, basePath: String)]>([:])

    init(
        pool: KeyPool, tokens: TokenRegistry, modelCache: ModelListCache, clock: any PoolClock,
        upstream: GatewayConfiguration.UpstreamSettings, limits: GatewayConfiguration.Limits,
        reporter: AttemptReporter, client: UpstreamClient, serverName: String?, providers: ProviderRegistry,
        admission: ProxyAdmission? = nil, observers: RequestObservers = RequestObservers(), logBodies: Bool = false
    ) {
        self.providers = providers
        self.observers = observers
        self.logBodies = logBodies
        self.admission =
            admission ?? ProxyAdmission(guards: ClientGuards(configuration: ClientLimitsConfiguration()), clock: clock)
        self.pool = pool
        self.tokens = tokens
        self.modelCache = modelCache
        self.clock = clock
        self.upstream = upstream
        self.limits = limits
        self.reporter = reporter
        self.client = client
        self.serverName = serverName
    }

    var stats: StatsRecorder { reporter.stats }
    var logger: Logger { reporter.logger }

    /// The client's `x-request-id` when it is a sane token, else a new one.
    static func requestID(given: String?) -> String {
        if let given, !given.isEmpty, given.utf8.count <= 128,
            given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        {
            return given
        }
        return RequestIDs.next()
    }

    // MARK: Keys

    /// The next key for an attempt, or the answer when there is none: the pool is empty, rests, serves no such
    /// model, or every usable key was tried.
    func lease(
        provider: ProviderID, model: String?, tried: [KeyLease], failures: [AttemptOutcome]
    ) -> Result<KeyLease, GatewayError> {
        guard tried.count <= upstream.maxRetries else {
            return .failure(
                exhausted(
                    provider: provider, model: model, failures: failures,
                    retryAt: pool.earliestReturn(provider: provider)
                ))
        }
        switch pool.lease(provider: provider, model: model, excluding: tried) {
        case .leased(let lease):
            return .success(lease)
        case .noneUsable(let returnsAt):
            if failures.isEmpty { return .failure(noUsableKey(provider: provider, retryAt: returnsAt)) }
            return .failure(exhausted(provider: provider, model: model, failures: failures, retryAt: returnsAt))
        case .empty:
            return .failure(
                GatewayError(
                    .serviceUnavailable, "the \(provider) pool has no keys; add keys with POST /admin/api-keys",
                    code: .noKeys
                ))
        case .modelNotServed(let model):
            return .failure(
                GatewayError(
                    .notFound, "model '\(model)' is not served by any key in the \(provider) pool",
                    type: "invalid_request_error", code: .modelNotFound
                ))
        }
    }

    // MARK: What an attempt's answer means

    /// What an upstream answer's status (and `Retry-After`) says about the key.
    func classify(_ status: HTTPResponseStatus, _ headers: HTTPHeaders) -> AttemptOutcome {
        AttemptOutcome.classify(
            status: Int(status.code), retryAfter: headers.first(name: "retry-after"), now: clock.now)
    }

    /// What a transport failure means, already reported to the pool.
    enum Failure {
        /// The key (or the provider) failed; another key may do better.
        case failed(AttemptOutcome)
        /// This machine is out of descriptors, buffers or memory: not the key's fault, and no other key would fare
        /// better right now. The answer to give.
        case overloaded(GatewayError)
    }

    /// Reports an attempt that failed with `error` before its answer was complete, and says what to do next.
    func failedAttempt(_ lease: KeyLease, error: any Error, started: ContinuousClock.Instant, attempts: Int) -> Failure
    {
        if let code = UpstreamFailureReason.localResourceExhaustion(error) {
            // Handing the key back unjudged: the failure was this machine's.
            pool.report(lease, outcome: .cancelled, latencyMillis: AttemptReporter.millis(since: started))
            let reason = String(cString: strerror(code))
            logger.error(
                "gateway out of local resources; request refused without judging the key",
                metadata: ["errno": "\(code)", "reason": "\(reason)"]
            )
            return .overloaded(
                GatewayError(
                    .serviceUnavailable, "gateway overloaded: \(reason.lowercased())", code: .gatewayOverloaded,
                    headers: [.retryAfter: "1", .xPoolAttempts: String(attempts)]
                ))
        }
        let outcome = AttemptOutcome.upstreamFailure(reason: UpstreamFailureReason.describe(error))
        pool.report(lease, outcome: outcome, latencyMillis: AttemptReporter.millis(since: started))
        return .failed(outcome)
    }

    /// Hands a key back unjudged: the client left (or the server stopped) before its answer was complete.
    func abandoned(_ lease: KeyLease, started: ContinuousClock.Instant) {
        pool.report(lease, outcome: .cancelled, latencyMillis: AttemptReporter.millis(since: started))
    }

    // MARK: The upstream request

    /// The upstream request's head for a client request, without a key (each attempt adds its key's
    /// authorization), built once in its final form: `Host`, the client's end-to-end headers (`HeaderPolicy`),
    /// the request id, the provider's own header fields (OpenRouter's attribution), and for a POST its content type
    /// and length.
    func upstreamHead(
        for client: HTTPHeaders, route: ProxyRoute, origin: UpstreamOrigin, target: String, bodyBytes: Int,
        requestID: String
    ) -> HTTPRequestHead {
        // The fields are listed first and made into `HTTPHeaders` once (see `HeaderPolicy.addUpstreamHeaders`).
        var fields: [(String, String)] = []
        fields.reserveCapacity(client.count + 6)
        fields.append(("host", origin.hostHeader))
        let hasContentType = HeaderPolicy.addUpstreamHeaders(from: client, to: &fields)
        // `HeaderPolicy` drops the client's own of these: added, not searched for.
        fields.append(("x-request-id", requestID))
        let method: HTTPMethod
        switch route.method {
        case .post:
            method = .POST
            if !hasContentType { fields.append(("content-type", "application/json")) }
            fields.append(("content-length", String(bodyBytes)))
        case .get:
            method = .GET
        }
        var headers = HTTPHeaders(fields)
        if let provider = route.upstream {
            // A client's field of the same name gives way to the provider's.
            for field in provider.headers { headers.replaceOrAdd(name: field.name, value: field.value) }
        }
        return HTTPRequestHead(version: .http1_1, method: method, uri: target, headers: headers)
    }

    /// Where a route's request goes: the provider's origin and the target with the client's query; nil when the
    /// provider's base URL is no http(s) URL.
    func upstreamTarget(route: ProxyRoute, query: Substring?) -> (origin: UpstreamOrigin, target: String)? {
        guard let origin = route.upstream?.origin else { return nil }
        return (origin, Self.withQuery(route.target, query))
    }

    /// Where a route's request goes for a key with its own base URL (a self-hosted server); nil when the URL is no
    /// http(s) URL. Each distinct URL is split once.
    func upstreamTarget(
        route: ProxyRoute, keyBaseURL: String, query: Substring?
    ) -> (origin: UpstreamOrigin, target: String)? {
        let base: (origin: UpstreamOrigin, basePath: String)
        if let known = keyBases.withLock({ $0[keyBaseURL] }) {
            base = known
        } else {
            guard let split = ProviderUpstream.split(baseURL: keyBaseURL) else { return nil }
            keyBases.withLock { $0[keyBaseURL] = split }
            base = split
        }
        return (base.origin, Self.withQuery(base.basePath + route.providerPath, query))
    }

    private static func withQuery(_ target: String, _ query: Substring?) -> String {
        guard let query, !query.isEmpty else { return target }
        // As `UpstreamOrigin.split` reads a URL: a fragment is not sent.
        let sent = query.utf8.firstIndex(of: UInt8(ascii: "#")).map { Substring(query.utf8[..<$0]) } ?? query
        return target + "?" + sent
    }

    // MARK: Providers

    /// `ROUTE_BY_MODEL`: the same endpoint of the first enabled provider (catalog order) after `route`'s that
    /// serves its dialect and whose keys list `model` or whose aliases name it; nil when there is none. A client
    /// token limited to one provider is never sent to another.
    func routeByModel(from route: ProxyRoute, model: String, scope: ProviderID?) -> ProxyRoute? {
        let catalog = providers.catalog
        let routes = providers.routes
        for definition in catalog.definitions
        where definition.name != route.provider && definition.enabled && definition.serves(route.providerDialect)
            && (scope == nil || scope == definition.name)
        {
            guard definition.aliases[model] != nil || pool.serves(provider: definition.name, model: model) else {
                continue
            }
            if let other = routes[definition.name.rawValue + route.upstreamPath] { return other }
        }
        return nil
    }

    /// `GET /v1/models/{id}` from the provider's cached model list while it is fresh: the model's object as the list
    /// has it; nil when the list is not cached or does not hold the id.
    func cachedModel(route: ProxyRoute) -> ByteBuffer? {
        let listKey = ModelListCache.key(provider: route.provider, path: "/v1/models")
        guard let id = route.modelID, let entry = modelCache.peekFresh(listKey, now: clock.now),
            (200..<300).contains(entry.status.code),
            let list = try? JSONSerialization.jsonObject(with: Data(entry.body.readableBytesView)) as? [String: Any],
            let models = list["data"] as? [[String: Any]]
        else { return nil }
        let wanted = id.removingPercentEncoding ?? id
        guard let object = models.first(where: { ($0["id"] as? String) == wanted }),
            let data = try? JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes])
        else { return nil }
        return ByteBuffer(bytes: data)
    }

    /// The model list cache's key for a route and the request's query.
    static func modelListKey(route: ProxyRoute, query: Substring?) -> String {
        var path = route.upstreamPath
        if let query, !query.isEmpty { path += "?" + query }
        return ModelListCache.key(provider: route.provider, path: path)
    }
}
