import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PoolCore

/// One proxied request, from its head to the end of its answer, on its client connection's event loop: the edge
/// checks (limits, client token, provider), the body (≤ `MAX_BODY_BYTES`), the failover loop (lease, one attempt
/// through the loop's upstream pool, classify, report, another key while the key was at fault) and the answer,
/// whole or streamed (`ProxiedRequest+Stream`). It receives the upstream answer's parts itself
/// (``UpstreamResponseReceiver``) and writes the client's through its ``ProxyFrontHandler``.
final class ProxiedRequest {
    /// Where the current attempt's answer stands.
    enum Attempt {
        /// No attempt under way.
        case none
        case awaitingHead
        /// The key was at fault: the rest of the answer is read (a little) so the connection can be reused.
        case discarding(AttemptOutcome, bytes: Int)
        /// An answer relayed whole once complete, collected in ``collected``.
        case collecting(HTTPResponseHead, AttemptOutcome)
        /// A successful stream's head, held until its first chunk: until then another key can still take over.
        case awaitingFirstChunk(HTTPResponseHead)
        /// Relaying the stream to the client.
        case streaming
    }

    /// A key's answer is read this far before it is given up for another key.
    static let discardLimit = 64 * 1024

    let engine: ProxyEngine
    /// The route; `ROUTE_BY_MODEL` may move an un-prefixed request to another provider's before its first attempt.
    var route: ProxyRoute
    let dialect: ErrorDialect
    weak var front: ProxyFrontHandler?
    let eventLoop: any EventLoop
    /// The client's request head as NIO decoded it (never converted to HTTP types on this path).
    let head: HTTPRequestHead
    /// What the request reads of the head's fields, found in one pass.
    let fields: ClientHeadFields
    /// The request target: path and query.
    let target: String
    let query: Substring?
    /// The client asked for the connection to close after this answer (or the request broke its framing).
    var closesConnection: Bool
    /// Proxied answers carry `Access-Control-Allow-Origin` when the request names an origin, as CORS does.
    let hasOrigin: Bool
    /// The request's end arrived.
    private(set) var requestEnded = false
    /// The answer's end was written (or the client left): nothing more is written for this request.
    var responseEnded = false
    /// The answer's head was written.
    var responseStarted = false
    /// Answered before the body ended: the rest of the body is dropped.
    private var answeredEarly = false
    var requestID = ""
    var body = ByteBuffer()
    /// The body as the client sent it, kept while `ROUTE_BY_MODEL` may still send it to another provider.
    var clientBody: ByteBuffer?
    /// The client's model name (what the request log and the statistics show).
    var model: String?
    /// The model the upstream is asked for: the client's, or what the provider's aliases make of it.
    var upstreamModel: String?
    var wantsStream = false
    /// The upstream request without a key, split into its origin (nil when the provider's base URL is unusable;
    /// a key with its own base URL has its own origin) and head once.
    var upstreamTarget: (origin: UpstreamOrigin?, head: HTTPRequestHead, body: ByteBuffer?)?
    var tried: [KeyLease] = []
    private var failures: [AttemptOutcome] = []
    var lease: KeyLease?
    var started = ContinuousClock.now
    var exchange: UpstreamExchange?
    var attempt = Attempt.none
    /// The body of an answer relayed whole, as it arrives.
    var collected = ByteBuffer()
    var framer: StreamFramer
    var tail = StreamTail()
    var wantsMore = true
    /// The client's IP (the peer, or behind `TRUSTED_PROXIES` the right-most untrusted `X-Forwarded-For` hop).
    let clientAddress: String
    /// The client token that opened the route, its limits' header values, and the response cache key (issue #15).
    var token: TokenRegistry.Entry?
    var rateLimitHeaders = RateLimitHeaders.none
    var cacheKey: ResponseCacheKey?
    /// The request's record as it goes, for the request observers; nil when nothing observes (then no record is
    /// built) and once it has been handed over.
    var trace: RequestTrace?

    init(
        engine: ProxyEngine, route: ProxyRoute, head: HTTPRequestHead, target: String, front: ProxyFrontHandler,
        eventLoop: any EventLoop, peer: String
    ) {
        let fields = ClientHeadFields(head.headers)
        self.fields = fields
        self.clientAddress = engine.admission.guards.clientAddress(peer: peer, forwardedFor: fields.forwardedFor)
        self.engine = engine
        self.route = route
        self.head = head
        self.target = target
        self.dialect = route.dialect
        self.query = ProxyRoutes.queryStart(in: target).map { target[target.utf8.index(after: $0)...] }
        self.closesConnection = !head.isKeepAlive
        self.hasOrigin = fields.hasOrigin
        self.front = front
        self.eventLoop = eventLoop
        self.framer = StreamFramer(framing: route.framing)
        if !engine.observers.isEmpty {
            trace = RequestTrace(
                id: "", startedAt: engine.clock.now, provider: route.provider, route: route.upstreamPath,
                arrived: .now)
        }
    }

    // MARK: The client's request

    /// The head arrived: the checks that need no body, in the order the routes have always made them.
    func begin() {
        let stats = engine.stats
        if let refusal = RequestLimitsMiddleware.refusal(
            uri: target, fieldCount: fields.fieldCount, headerBytes: fields.fieldBytes, limits: engine.limits)
        {
            stats.refused(provider: route.provider, reason: .limits)
            answerEarly(refusal)
            return
        }
        if let refusal = clientRefusal() {
            stats.refused(provider: route.provider, reason: .limits)
            answerEarly(refusal)
            return
        }
        let presented = fields.presentedToken
        // `GET /api/version` needs no token, as on an Ollama server (clients ask it before anything else).
        let open = route.upstreamPath == "/api/version" && presented == nil
        var digests = front?.tokenDigests ?? TokenDigestMemo()
        let authorized: Result<TokenRegistry.Entry?, GatewayError> =
            open
            ? .success(nil)
            : ClientTokenAuthorization.authorize(
                presented, tokens: engine.tokens, provider: route.provider, memo: &digests
            ).map { $0 }
        front?.tokenDigests = digests
        switch authorized {
        case .failure(let refusal):
            noteAuthFailure(presented: presented)
            stats.refused(provider: route.provider, reason: .auth)
            answerEarly(refusal)
            return
        case .success(let entry):
            token = entry
        }
        requestID = ProxyEngine.requestID(given: fields.requestID)
        guard engine.upstream.isEnabled(route.provider), route.isEnabled else {
            stats.refused(provider: route.provider, reason: .providerDisabled)
            answerEarly(
                GatewayError(
                    .serviceUnavailable, "provider '\(route.provider)' is disabled on this gateway",
                    code: .providerDisabled))
            return
        }
    }

    /// A body part or the end of the request.
    func receive(_ part: HTTPServerRequestPart) {
        switch part {
        case .head:
            break
        case .body(let chunk):
            guard !answeredEarly, route.method == .post else { return }
            guard body.readableBytes + chunk.readableBytes <= engine.limits.maxBodyBytes else {
                refuseBody(
                    GatewayError.from(
                        NIOTooManyBytesError(maxBytes: engine.limits.maxBodyBytes),
                        maxBodyBytes: engine.limits.maxBodyBytes))
                return
            }
            if body.readableBytes == 0 {
                body = chunk
            } else {
                var chunk = chunk
                body.writeBuffer(&chunk)
            }
        case .end:
            requestEnded = true
            if !answeredEarly { forward() }
        }
    }

    /// The request's framing broke mid-body (a bad chunk size, …): a 400, and the connection closes.
    func framingBroke(_ error: any Error) {
        closesConnection = true
        guard !answeredEarly else { return }
        refuseBody(GatewayError.from(error, maxBodyBytes: engine.limits.maxBodyBytes))
    }

    /// A body the gateway will not read on (too large, broken): counted, answered, the rest dropped.
    private func refuseBody(_ error: GatewayError) {
        if (400..<500).contains(error.status.code) {
            engine.stats.recordWithoutModel(provider: route.provider, result: StatsRecorder.result(of: error))
        }
        answerEarly(error)
    }

    private func answerEarly(_ error: GatewayError) {
        answeredEarly = true
        body = ByteBuffer()
        answer(error)
    }

    /// The whole request is in: read what the body says, then the model list cache or the upstream.
    private func forward() {
        if engine.logBodies { traceBody() }
        if route.method == .post {
            do {
                let probe = try RequestProbe.read(body)
                model = probe.model
                upstreamModel = probe.model
                wantsStream = probe.stream ?? route.streamsByDefault
            } catch {
                refuseBody(GatewayError.from(error, maxBodyBytes: engine.limits.maxBodyBytes))
                return
            }
        }
        if let refusal = admitToken() {
            engine.stats.refused(provider: route.provider, reason: .limits)
            body = ByteBuffer()
            answer(refusal)
            return
        }
        if answerFromResponseCache() {
            body = ByteBuffer()
            return
        }
        if route.isDefault, engine.upstream.routeByModel, route.providerDialect != .ollama { clientBody = body }
        prepareUpstream(body)
        body = ByteBuffer()
        if route.isModelList, let entry = engine.modelCache.fresh(modelListKey, now: engine.clock.now) {
            answerCached(entry, state: "hit")
            return
        }
        if route.isModelLookup, let model = engine.cachedModel(route: route) {
            answerCachedModel(model)
            return
        }
        startAttempt()
    }

    var modelListKey: String { ProxyEngine.modelListKey(route: route, query: query) }

    // MARK: Attempts

    /// Leases the next key and sends the request with it; gives up when no key is left.
    func startAttempt() {
        let leased: KeyLease
        switch engine.lease(provider: route.provider, model: upstreamModel, tried: tried, failures: failures) {
        case .success(let next): leased = next
        case .failure(let error):
            if rerouteByModel(after: error) {
                startAttempt()
                return
            }
            giveUp(error)
            return
        }
        tried.append(leased)
        lease = leased
        started = .now
        wantsMore = true
        guard let target = upstreamTarget else {
            attemptFailed(UpstreamError.invalidURL)
            return
        }
        guard let (origin, head) = destination(for: leased.key, target.origin, target.head) else {
            attemptFailed(UpstreamError.invalidURL)
            return
        }
        guard let pool = engine.client.connectionPool(on: eventLoop) else {
            attemptFailed(UpstreamError.shutDown)
            return
        }
        let exchange = UpstreamExchange(
            eventLoop: eventLoop, origin: origin, head: head, body: target.body,
            firstByteTimeout: route.upstream?.firstByteTimeout ?? engine.client.firstByteTimeout, receiver: self)
        // The client's own credentials never reach the template (`HeaderPolicy`); a keyless server gets none. The
        // key goes on the wire after the template's fields, which stays shared by every attempt (not copied).
        if !leased.key.secret.isEmpty { exchange.bearerToken = leased.key.secret }
        exchange.connectTimeout = route.upstream?.connectTimeout
        exchange.streamIdleTimeout = route.upstream?.streamIdleTimeout
        self.exchange = exchange
        attempt = .awaitingHead
        // Last: a failure to send comes back at once, through receiveFailure.
        pool.execute(exchange)
    }

    /// The key was at fault: reported, and another key's turn.
    func retry(after outcome: AttemptOutcome) {
        guard let lease else { return }
        engine.reporter.report(lease, outcome, started: started, provider: route.provider)
        traceAttempt(outcome)
        nextKey(after: outcome)
    }

    /// The attempt failed before its answer was complete.
    func attemptFailed(_ error: any Error) {
        guard let lease else { return }
        switch engine.failedAttempt(lease, error: error, started: started, attempts: tried.count) {
        case .failed(let outcome):
            traceAttempt(outcome)
            nextKey(after: outcome)
        case .overloaded(let answer):
            traceAttempt(.cancelled, error: answer.message)
            giveUp(answer)
        }
    }

    private func nextKey(after outcome: AttemptOutcome) {
        failures.append(outcome)
        if let lease {
            engine.logger.debug(
                "attempt failed, trying another key",
                metadata: ["key": "\(lease.key.id)", "outcome": "\(outcome)", "provider": "\(route.provider)"])
        }
        startAttempt()
    }

    /// Gives the current exchange up; its callbacks after this are ignored.
    func dropExchange() {
        attempt = .none
        let running = exchange
        exchange = nil
        running?.cancel()
    }
}
