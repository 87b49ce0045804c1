import Foundation
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PoolCore

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
    /// Each provider's origin and each route's request target there (without the query), split from the URLs once
    /// rather than per request; a route missing here has a base URL that is no http(s) URL.
    private let targets: [ProviderID: [String: (origin: UpstreamOrigin, target: String)]]

    init(
        pool: KeyPool, tokens: TokenRegistry, modelCache: ModelListCache, clock: any PoolClock,
        upstream: GatewayConfiguration.UpstreamSettings, limits: GatewayConfiguration.Limits,
        reporter: AttemptReporter, client: UpstreamClient, serverName: String?,
        admission: ProxyAdmission? = nil, observers: RequestObservers = RequestObservers(), logBodies: Bool = false
    ) {
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
        var targets: [ProviderID: [String: (origin: UpstreamOrigin, target: String)]] = [:]
        for route in ProxyRoutes.byPath.values {
            if let split = UpstreamOrigin.split(upstream.baseURL(for: route.provider) + route.upstreamPath) {
                targets[route.provider, default: [:]][route.upstreamPath] = split
            }
        }
        self.targets = targets
    }

    var stats: StatsRecorder { reporter.stats }
    var logger: Logger { reporter.logger }

    /// The client's `x-request-id` when it is a sane token, else a new one.
    static func requestID(from headers: HTTPFields) -> String {
        if let given = headers[.xRequestID], !given.isEmpty, given.utf8.count <= 128,
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

    /// The upstream request for a client request, without a key; each attempt adds its key's authorization.
    func upstreamRequest(
        for request: HTTPRequest, route: ProxyRoute, query: Substring?, body: ByteBuffer, requestID: String
    ) -> UpstreamRequest {
        var url = upstream.baseURL(for: route.provider) + route.upstreamPath
        if let query, !query.isEmpty { url += "?" + query }
        var outbound = UpstreamRequest(url: url)
        outbound.method = route.method == .post ? .POST : .GET
        for (name, value) in HeaderPolicy.upstreamHeaders(from: request.headerFields) {
            outbound.headers.add(name: name, value: value)
        }
        // `HeaderPolicy` drops the client's own of these three: added, not searched for.
        outbound.headers.add(name: "x-request-id", value: requestID)
        if route.provider == .openrouter {
            if let referer = upstream.openRouterReferer {
                outbound.headers.add(name: "HTTP-Referer", value: referer)
            }
            if let title = upstream.openRouterTitle { outbound.headers.add(name: "X-Title", value: title) }
        }
        if route.method == .post {
            if !outbound.headers.contains(name: "content-type") {
                outbound.headers.add(name: "content-type", value: "application/json")
            }
            outbound.body = body
        }
        return outbound
    }

    /// Where a route's request goes: the provider's origin and the target with the client's query; nil when the
    /// provider's base URL is no http(s) URL.
    func upstreamTarget(route: ProxyRoute, query: Substring?) -> (origin: UpstreamOrigin, target: String)? {
        guard let found = targets[route.provider]?[route.upstreamPath] else { return nil }
        guard let query, !query.isEmpty else { return found }
        // As `UpstreamOrigin.split` reads a URL: a fragment is not sent.
        let sent = query.utf8.firstIndex(of: UInt8(ascii: "#")).map { Substring(query.utf8[..<$0]) } ?? query
        return (found.origin, found.target + "?" + sent)
    }

    /// The model list cache's key for a route and the request's query.
    static func modelListKey(route: ProxyRoute, query: Substring?) -> String {
        var path = route.upstreamPath
        if let query, !query.isEmpty { path += "?" + query }
        return ModelListCache.key(provider: route.provider, path: path)
    }
}
