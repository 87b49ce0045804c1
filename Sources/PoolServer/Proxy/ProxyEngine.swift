import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PoolCore

/// Forwards a client request to the provider over the key pool: picks a key, retries on another key when the
/// upstream's answer says the key is at fault, and relays the answer (streamed or not) with the pool's headers.
struct ProxyEngine: Sendable {
    let gateway: Gateway
    let client: UpstreamClient

    private var configuration: GatewayConfiguration { gateway.configuration }

    func handle(_ request: Request, context: BasicRequestContext, route: ProxyRoute) async throws -> Response {
        let requestID = Self.requestID(from: request.headers)
        do {
            var response = try await forward(request, route: route, requestID: requestID, logger: context.logger)
            response.headers[.xRequestID] = requestID
            return response
        } catch var error as GatewayError {
            error.headers[.xRequestID] = requestID
            if error.headers[.xPoolAttempts] == nil { error.headers[.xPoolAttempts] = "0" }
            throw error
        }
    }

    /// The client's `x-request-id` when it is a sane token, else a new one.
    static func requestID(from headers: HTTPFields) -> String {
        if let given = headers[.xRequestID], !given.isEmpty, given.utf8.count <= 128,
           given.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7f })
        {
            return given
        }
        return RequestIDs.next()
    }

    // MARK: Forwarding

    private func forward(_ request: Request, route: ProxyRoute, requestID: String, logger: Logger) async throws -> Response {
        guard configuration.upstream.isEnabled(route.provider) else {
            throw GatewayError(.serviceUnavailable, "provider '\(route.provider)' is disabled on this gateway", code: .providerDisabled)
        }
        try authorize(request, provider: route.provider)

        var request = request
        var body = ByteBuffer()
        var probe: RequestProbe?
        if route.method == .post {
            body = try await request.collectBody(upTo: configuration.limits.maxBodyBytes)
            probe = try RequestProbe.read(body)
        }
        let model = probe?.model
        let wantsStream = probe?.stream ?? (route.method == .post && route.streamsByDefault)
        let template = upstreamRequest(for: request, route: route, body: body, requestID: requestID)
        do {
            if route.isModelList {
                return try await serveModelList(template, route: route, request: request, logger: logger)
            }
            return try await forward(template, route: route, model: model, wantsStream: wantsStream, request: request, logger: logger)
        } catch let error as GatewayError {
            gateway.traffic.record(provider: route.provider, model: model, succeeded: false, at: gateway.clock.now)
            throw error
        }
    }

    private func forward(
        _ template: HTTPClientRequest, route: ProxyRoute, model: String?, wantsStream: Bool, request: Request,
        logger: Logger
    ) async throws -> Response {
        var tried: [KeyLease] = []
        var failures: [AttemptOutcome] = []
        for _ in 0...configuration.upstream.maxRetries {
            let lease: KeyLease
            switch gateway.pool.lease(provider: route.provider, model: model, excluding: tried) {
            case .leased(let leased):
                lease = leased
            case .noneUsable(let returnsAt):
                if failures.isEmpty { throw noUsableKey(provider: route.provider, retryAt: returnsAt) }
                throw exhausted(provider: route.provider, model: model, failures: failures, retryAt: returnsAt)
            case .empty:
                throw GatewayError(
                    .serviceUnavailable, "the \(route.provider) pool has no keys; add keys with POST /admin/api-keys",
                    code: .noKeys
                )
            case .modelNotServed(let model):
                throw GatewayError(
                    .notFound, "model '\(model)' is not served by any key in the \(route.provider) pool",
                    type: "invalid_request_error", code: .modelNotFound
                )
            }
            tried.append(lease)
            let attempt = await attempt(
                template, lease: lease, model: model, wantsStream: wantsStream, route: route, request: request
            )
            switch attempt {
            case .relay(var response, let isStream):
                response.headers[.xPoolKeyID] = lease.key.id
                response.headers[.xPoolAttempts] = String(tried.count)
                if !isStream {
                    gateway.traffic.record(
                        provider: route.provider, model: model, succeeded: response.status.kind == .successful,
                        at: gateway.clock.now
                    )
                }
                return response
            case .failed(let outcome):
                failures.append(outcome)
                logger.debug("attempt failed, trying another key", metadata: [
                    "key": "\(lease.key.id)", "outcome": "\(outcome)", "provider": "\(route.provider)",
                ])
            case .clientGone:
                throw CancellationError()
            }
        }
        throw exhausted(
            provider: route.provider, model: model, failures: failures,
            retryAt: gateway.pool.earliestReturn(provider: route.provider)
        )
    }

    /// Model lists come from the cache while fresh; a failed refresh serves the last good list.
    private func serveModelList(_ template: HTTPClientRequest, route: ProxyRoute, request: Request, logger: Logger) async throws -> Response {
        let cache = gateway.modelCache
        let key = Self.modelListKey(route: route, request: request)
        if let entry = cache.fresh(key, now: gateway.clock.now) { return Self.cachedResponse(entry, state: "hit") }
        let refreshed: Response
        do {
            refreshed = try await forward(template, route: route, model: nil, wantsStream: false, request: request, logger: logger)
        } catch let error as GatewayError {
            guard let stale = cache.stale(key) else { throw error }
            cache.recordRefreshFailure()
            logger.warning("model list refresh failed; serving the cached list", metadata: ["provider": "\(route.provider)", "error": "\(error.message)"])
            return Self.cachedResponse(stale, state: "stale")
        }
        if refreshed.status.kind != .successful, let stale = cache.stale(key) {
            cache.recordRefreshFailure()
            logger.warning("model list refresh failed; serving the cached list", metadata: ["provider": "\(route.provider)", "status": "\(refreshed.status.code)"])
            return Self.cachedResponse(stale, state: "stale")
        }
        return refreshed
    }

    static func modelListKey(route: ProxyRoute, request: Request) -> String {
        var path = route.upstreamPath
        if let query = request.uri.query, !query.isEmpty { path += "?" + query }
        return ModelListCache.key(provider: route.provider, path: path)
    }

    private static func cachedResponse(_ entry: ModelListCache.Entry, state: String) -> Response {
        var headers = entry.headers
        headers[.xPoolCache] = state
        headers[.xPoolAttempts] = "0"
        return Response(status: entry.status, headers: headers, body: ResponseBody(byteBuffer: entry.body))
    }

    private func authorize(_ request: Request, provider: ProviderID) throws {
        let presented = BearerToken.from(request.headers) ?? request.headers[.xAPIKey]
        switch gateway.tokens.authorize(presented, provider: provider) {
        case .success:
            return
        case .failure(.missing):
            throw GatewayError(.unauthorized, "missing client token: send Authorization: Bearer <token>", code: .invalidAPIKey)
        case .failure(.unknown):
            throw GatewayError(.unauthorized, "invalid client token", code: .invalidAPIKey)
        case .failure(.expired):
            throw GatewayError(.unauthorized, "client token has expired", code: .invalidAPIKey)
        case .failure(.wrongProvider(let scope)):
            throw GatewayError(
                .unauthorized, "client token is limited to provider '\(scope)' and cannot use '\(provider)'",
                code: .invalidAPIKey
            )
        }
    }

    private func upstreamRequest(for request: Request, route: ProxyRoute, body: ByteBuffer, requestID: String) -> HTTPClientRequest {
        var url = configuration.upstream.baseURL(for: route.provider) + route.upstreamPath
        if let query = request.uri.query, !query.isEmpty { url += "?" + query }
        var upstream = HTTPClientRequest(url: url)
        upstream.method = route.method == .post ? .POST : .GET
        for (name, value) in HeaderPolicy.upstreamHeaders(from: request.headers) {
            upstream.headers.add(name: name, value: value)
        }
        upstream.headers.replaceOrAdd(name: "x-request-id", value: requestID)
        if route.provider == .openrouter {
            if let referer = configuration.upstream.openRouterReferer { upstream.headers.replaceOrAdd(name: "HTTP-Referer", value: referer) }
            if let title = configuration.upstream.openRouterTitle { upstream.headers.replaceOrAdd(name: "X-Title", value: title) }
        }
        if route.method == .post {
            if !upstream.headers.contains(name: "content-type") {
                upstream.headers.add(name: "content-type", value: "application/json")
            }
            upstream.body = .bytes(body)
        }
        return upstream
    }

    // MARK: One attempt

    private enum AttemptResult {
        /// An answer to give the client (success, or an error that is the client's own); a stream counts its
        /// own traffic when it ends.
        case relay(Response, isStream: Bool)
        /// The key (or the provider) failed; another key may do better.
        case failed(AttemptOutcome)
        /// The client went away.
        case clientGone
    }

    private func attempt(
        _ template: HTTPClientRequest, lease: KeyLease, model: String?, wantsStream: Bool, route: ProxyRoute,
        request: Request
    ) async -> AttemptResult {
        var upstream = template
        upstream.headers.replaceOrAdd(name: "authorization", value: "Bearer \(lease.key.secret)")
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        do {
            response = try await client.http.execute(
                upstream, deadline: .now() + .milliseconds(Int64(configuration.upstream.firstByteTimeout * 1000))
            )
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }

        let outcome = AttemptOutcome.classify(
            status: Int(response.status.code), retryAfter: response.headers.first(name: "retry-after"), now: gateway.clock.now
        )
        if outcome.shouldRetryOnAnotherKey {
            // Drain a little so the connection can be reused; the body is not shown to the client.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            report(lease, outcome, started: started, route: route)
            return .failed(outcome)
        }

        let headers = HeaderPolicy.downstreamHeaders(from: response.headers)
        let status = HTTPResponse.Status(code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
        if wantsStream, outcome == .success {
            return await startStream(
                response, status: status, headers: headers, lease: lease, started: started, route: route, model: model,
                request: request
            )
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: configuration.limits.maxUpstreamResponseBytes)
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }
        let usage = outcome == .success ? UsageScanner.usage(in: body.readableBytesView, format: route.usageFormat) : nil
        report(lease, outcome, started: started, route: route, usage: usage)
        if route.isModelList, outcome == .success {
            gateway.modelCache.store(
                Self.modelListKey(route: route, request: request),
                .init(status: status, headers: headers, body: body, fetchedAt: gateway.clock.now)
            )
        }
        return .relay(Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body)), isStream: false)
    }

    /// Waits for the first chunk before answering, so a stream that dies before its first byte can still fail over.
    private func startStream(
        _ response: HTTPClientResponse, status: HTTPResponse.Status, headers: HTTPFields, lease: KeyLease,
        started: ContinuousClock.Instant, route: ProxyRoute, model: String?, request: Request
    ) async -> AttemptResult {
        var iterator = response.body.makeAsyncIterator()
        let first: ByteBuffer?
        do {
            first = try await iterator.next()
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }
        let relay = StreamRelay(
            iterator: iterator, first: first, lease: lease, started: started, route: route, model: model, engine: self
        )
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = route.framing.contentType }
        headers[.cacheControl] = "no-cache"
        // Watching for the client's disconnect consumes the connection's inbound side, so the server closes the
        // connection after the stream; saying so stops clients from sending another request on it.
        headers[.connection] = "close"
        let inbound = request.body
        return .relay(Response(status: status, headers: headers, body: ResponseBody { writer in
            try await relay.run(writer: &writer, inbound: inbound)
        }), isStream: true)
    }

    private func failedAttempt(_ lease: KeyLease, error: any Error, started: ContinuousClock.Instant) -> AttemptResult {
        if error is CancellationError || Task.isCancelled {
            gateway.pool.report(lease, outcome: .cancelled, latencyMillis: Self.millis(since: started))
            return .clientGone
        }
        let outcome = AttemptOutcome.upstreamFailure(reason: UpstreamFailureReason.describe(error))
        gateway.pool.report(lease, outcome: outcome, latencyMillis: Self.millis(since: started))
        return .failed(outcome)
    }

    func report(_ lease: KeyLease, _ outcome: AttemptOutcome, started: ContinuousClock.Instant, route: ProxyRoute, usage: TokenUsage? = nil) {
        let transition = gateway.pool.report(lease, outcome: outcome, latencyMillis: Self.millis(since: started), usage: usage)
        if transition != .unchanged {
            gateway.logger.info("key state changed", metadata: [
                "key": "\(lease.key.id)", "provider": "\(route.provider)", "change": "\(transition)",
            ])
        }
    }

    static func millis(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    // MARK: Gateway answers

    private func noUsableKey(provider: ProviderID, retryAt: Date?) -> GatewayError {
        let counts = gateway.pool.statusCounts(provider: provider)
        let resting = KeyStatus.allCases.filter { $0 != .active }.compactMap { status -> String? in
            guard let count = counts[status], count > 0 else { return nil }
            return "\(count) \(status.rawValue)"
        }
        var message = "no usable key in the \(provider) pool right now"
        if !resting.isEmpty { message += " (\(resting.joined(separator: ", ")))" }
        return GatewayError(.serviceUnavailable, message, code: .noUsableKey, headers: retryAfterHeader(retryAt))
    }

    private func exhausted(provider: ProviderID, model: String?, failures: [AttemptOutcome], retryAt: Date?) -> GatewayError {
        if case .upstreamFailure(let reason) = failures.last {
            return GatewayError(
                .badGateway, "the upstream failed on \(failures.count) attempt(s) with different keys; last: \(reason)",
                type: "upstream_error", code: .upstreamFailed, headers: [.xPoolAttempts: String(failures.count)]
            )
        }
        var reasons: [String] = []
        let rejected = failures.filter { if case .rejected = $0 { return true } else { return false } }.count
        let rateLimited = failures.filter { if case .rateLimited = $0 { return true } else { return false } }.count
        let outOfCredit = failures.filter { $0 == .outOfCredit }.count
        let failed = failures.count - rejected - rateLimited - outOfCredit
        if rateLimited > 0 { reasons.append("\(rateLimited) rate-limited (429)") }
        if outOfCredit > 0 { reasons.append("\(outOfCredit) out of credit (402)") }
        if rejected > 0 { reasons.append("\(rejected) rejected by the upstream (401/403)") }
        if failed > 0 { reasons.append("\(failed) failed") }
        let message = "tried \(failures.count) key(s) of the \(provider) pool and none could serve the request: "
            + reasons.joined(separator: ", ")
        var headers = retryAfterHeader(retryAt)
        headers[.xPoolAttempts] = String(failures.count)
        return GatewayError(.serviceUnavailable, message, code: .poolExhausted, headers: headers)
    }

    private func retryAfterHeader(_ retryAt: Date?) -> HTTPFields {
        guard let retryAt else { return [:] }
        let seconds = max(1, Int(retryAt.timeIntervalSince(gateway.clock.now).rounded(.up)))
        return [.retryAfter: String(seconds)]
    }
}
