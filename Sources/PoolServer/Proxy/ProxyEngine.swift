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
    let pool: KeyPool
    let modelCache: ModelListCache
    let clock: any PoolClock
    let upstream: GatewayConfiguration.UpstreamSettings
    let limits: GatewayConfiguration.Limits
    let reporter: AttemptReporter
    let client: UpstreamClient

    /// Handles a request that `ClientTokenMiddleware` has authorized.
    func handle(_ request: Request, context: GatewayRequestContext, route: ProxyRoute) async throws -> Response {
        let requestID = Self.requestID(from: request.headers)
        do {
            var response = try await forward(
                request, route: route, dialect: context.dialect, requestID: requestID, logger: context.logger
            )
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

    private func forward(
        _ request: Request, route: ProxyRoute, dialect: ErrorDialect, requestID: String, logger: Logger
    ) async throws -> Response {
        let stats = reporter.stats
        guard upstream.isEnabled(route.provider) else {
            stats.refused(provider: route.provider, reason: .providerDisabled)
            throw GatewayError(
                .serviceUnavailable, "provider '\(route.provider)' is disabled on this gateway", code: .providerDisabled
            )
        }

        var request = request
        var body = ByteBuffer()
        var probe: RequestProbe?
        if route.method == .post {
            do {
                body = try await request.collectBody(upTo: limits.maxBodyBytes)
                probe = try RequestProbe.read(body)
            } catch {
                // An oversized or malformed body is refused (4xx); a client gone mid-body is not counted.
                let answer = GatewayError.from(error, maxBodyBytes: limits.maxBodyBytes)
                if (400..<500).contains(answer.status.code) {
                    stats.recordWithoutModel(provider: route.provider, result: StatsRecorder.result(of: answer))
                }
                throw error
            }
        }
        let model = probe?.model
        let wantsStream = probe?.stream ?? (route.method == .post && route.streamsByDefault)
        let call = ProxyCall(
            route: route, dialect: dialect, request: request, model: model, wantsStream: wantsStream,
            template: upstreamRequest(for: request, route: route, body: body, requestID: requestID), logger: logger
        )
        do {
            return try await route.isModelList ? serveModelList(call) : forward(call)
        } catch let error as GatewayError {
            reporter.recordRequest(provider: route.provider, model: model, result: StatsRecorder.result(of: error))
            throw error
        }
    }

    private func forward(_ call: ProxyCall) async throws -> Response {
        let route = call.route
        let model = call.model
        var tried: [KeyLease] = []
        var failures: [AttemptOutcome] = []
        for _ in 0...upstream.maxRetries {
            let lease: KeyLease
            switch pool.lease(provider: route.provider, model: model, excluding: tried) {
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
            let attempt = await attempt(call, lease: lease)
            switch attempt {
            case .relay(var response, let isStream):
                response.headers[.xPoolKeyID] = lease.key.id
                response.headers[.xPoolAttempts] = String(tried.count)
                if !isStream {
                    reporter.recordRequest(
                        provider: route.provider, model: model, result: .relayed(status: Int(response.status.code)))
                }
                return response
            case .failed(let outcome):
                failures.append(outcome)
                call.logger.debug(
                    "attempt failed, trying another key",
                    metadata: [
                        "key": "\(lease.key.id)", "outcome": "\(outcome)", "provider": "\(route.provider)",
                    ])
            case .clientGone:
                throw CancellationError()
            case .gatewayOverloaded(let code):
                call.logger.error(
                    "gateway out of local resources; request refused without judging the key",
                    metadata: ["errno": "\(code)", "reason": "\(String(cString: strerror(code)))"]
                )
                throw GatewayError(
                    .serviceUnavailable, "gateway overloaded: \(String(cString: strerror(code)).lowercased())",
                    code: .gatewayOverloaded, headers: [.retryAfter: "1", .xPoolAttempts: String(tried.count)]
                )
            }
        }
        throw exhausted(
            provider: route.provider, model: model, failures: failures,
            retryAt: pool.earliestReturn(provider: route.provider)
        )
    }

    /// Model lists come from the cache while fresh; a failed refresh serves the last good list.
    private func serveModelList(_ call: ProxyCall) async throws -> Response {
        let cache = modelCache
        let (route, logger) = (call.route, call.logger)
        let key = Self.modelListKey(route: route, request: call.request)
        if let entry = cache.fresh(key, now: clock.now) { return Self.cachedResponse(entry, state: "hit") }
        let refreshed: Response
        do {
            refreshed = try await forward(call)
        } catch let error as GatewayError {
            guard let stale = cache.stale(key) else { throw error }
            cache.recordRefreshFailure()
            logger.warning(
                "model list refresh failed; serving the cached list",
                metadata: ["provider": "\(route.provider)", "error": "\(error.message)"])
            return Self.cachedResponse(stale, state: "stale")
        }
        if refreshed.status.kind != .successful, let stale = cache.stale(key) {
            cache.recordRefreshFailure()
            logger.warning(
                "model list refresh failed; serving the cached list",
                metadata: ["provider": "\(route.provider)", "status": "\(refreshed.status.code)"])
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

    private func upstreamRequest(
        for request: Request, route: ProxyRoute, body: ByteBuffer, requestID: String
    ) -> UpstreamRequest {
        var url = upstream.baseURL(for: route.provider) + route.upstreamPath
        if let query = request.uri.query, !query.isEmpty { url += "?" + query }
        var outbound = UpstreamRequest(url: url)
        outbound.method = route.method == .post ? .POST : .GET
        for (name, value) in HeaderPolicy.upstreamHeaders(from: request.headers) {
            outbound.headers.add(name: name, value: value)
        }
        outbound.headers.replaceOrAdd(name: "x-request-id", value: requestID)
        if route.provider == .openrouter {
            if let referer = upstream.openRouterReferer {
                outbound.headers.replaceOrAdd(name: "HTTP-Referer", value: referer)
            }
            if let title = upstream.openRouterTitle { outbound.headers.replaceOrAdd(name: "X-Title", value: title) }
        }
        if route.method == .post {
            if !outbound.headers.contains(name: "content-type") {
                outbound.headers.add(name: "content-type", value: "application/json")
            }
            outbound.body = body
        }
        return outbound
    }

    // MARK: One attempt

    /// One client request on its way through the engine: what its route, its context and its body said.
    private struct ProxyCall {
        let route: ProxyRoute
        let dialect: ErrorDialect
        let request: Request
        let model: String?
        let wantsStream: Bool
        /// The upstream request without a key; each attempt adds its key's authorization.
        let template: UpstreamRequest
        let logger: Logger
    }

    private enum AttemptResult {
        /// An answer to give the client (success, or an error that is the client's own); a stream counts its
        /// own traffic when it ends.
        case relay(Response, isStream: Bool)
        /// The key (or the provider) failed; another key may do better.
        case failed(AttemptOutcome)
        /// The client went away.
        case clientGone
        /// This machine is out of descriptors, buffers or memory: not the key's fault, and no other key would
        /// fare better right now.
        case gatewayOverloaded(errno: Int32)
    }

    private func attempt(_ call: ProxyCall, lease: KeyLease) async -> AttemptResult {
        var outbound = call.template
        outbound.headers.replaceOrAdd(name: "authorization", value: "Bearer \(lease.key.secret)")
        let started = ContinuousClock.now
        guard call.wantsStream else {
            // The whole answer is read on the connection's loop and handed over once.
            let answer: UpstreamAnswer
            do {
                answer = try await client.fetch(outbound, upTo: limits.maxUpstreamResponseBytes)
            } catch {
                return failedAttempt(lease, error: error, started: started)
            }
            let outcome = classify(answer.status, answer.headers)
            return relay(call, outcome, answer.status, answer.headers, answer.body, lease: lease, started: started)
        }

        let response: UpstreamResponse
        do {
            response = try await client.execute(outbound)
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }
        let outcome = classify(response.status, response.headers)
        if outcome.shouldRetryOnAnotherKey {
            // Drain a little so the connection can be reused; the body is not shown to the client.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            reporter.report(lease, outcome, started: started, provider: call.route.provider)
            return .failed(outcome)
        }
        if outcome == .success {
            let headers = HeaderPolicy.downstreamHeaders(from: response.headers)
            let status = HTTPResponse.Status(
                code: Int(response.status.code), reasonPhrase: response.status.reasonPhrase)
            return await startStream(call, response, status: status, headers: headers, lease: lease, started: started)
        }
        let body: ByteBuffer
        do {
            body = try await response.body.collect(upTo: limits.maxUpstreamResponseBytes)
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }
        return relay(call, outcome, response.status, response.headers, body, lease: lease, started: started)
    }

    private func classify(_ status: HTTPResponseStatus, _ headers: HTTPHeaders) -> AttemptOutcome {
        AttemptOutcome.classify(
            status: Int(status.code), retryAfter: headers.first(name: "retry-after"), now: clock.now)
    }

    /// A whole answer: another key's turn when the key was at fault, else the answer for the client.
    private func relay(
        _ call: ProxyCall, _ outcome: AttemptOutcome, _ upstreamStatus: HTTPResponseStatus,
        _ upstreamHeaders: HTTPHeaders, _ body: ByteBuffer, lease: KeyLease, started: ContinuousClock.Instant
    ) -> AttemptResult {
        let route = call.route
        if outcome.shouldRetryOnAnotherKey {
            reporter.report(lease, outcome, started: started, provider: route.provider)
            return .failed(outcome)
        }
        let headers = HeaderPolicy.downstreamHeaders(from: upstreamHeaders)
        let status = HTTPResponse.Status(code: Int(upstreamStatus.code), reasonPhrase: upstreamStatus.reasonPhrase)
        let usage =
            outcome == .success ? UsageScanner.usage(in: body.readableBytesView, format: route.usageFormat) : nil
        reporter.report(lease, outcome, started: started, provider: route.provider, usage: usage)
        if route.isModelList, outcome == .success {
            modelCache.store(
                Self.modelListKey(route: route, request: call.request),
                .init(status: status, headers: headers, body: body, fetchedAt: clock.now)
            )
        }
        return .relay(Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body)), isStream: false)
    }

    /// Waits for the first chunk before answering, so a stream that dies before its first byte can still fail over.
    private func startStream(
        _ call: ProxyCall, _ response: UpstreamResponse, status: HTTPResponse.Status, headers: HTTPFields,
        lease: KeyLease, started: ContinuousClock.Instant
    ) async -> AttemptResult {
        var iterator = response.body.makeAsyncIterator()
        let first: ByteBuffer?
        do {
            first = try await iterator.next()
        } catch {
            return failedAttempt(lease, error: error, started: started)
        }
        let relay = StreamRelay(
            iterator: iterator, first: first, lease: lease, started: started, route: call.route, model: call.model,
            dialect: call.dialect, reporter: reporter
        )
        var headers = headers
        if headers[.contentType] == nil { headers[.contentType] = call.route.framing.contentType }
        headers[.cacheControl] = "no-cache"
        // Watching for the client's disconnect consumes the connection's inbound side, so the server closes the
        // connection after the stream; saying so stops clients from sending another request on it.
        headers[.connection] = "close"
        let inbound = call.request.body
        return .relay(
            Response(
                status: status, headers: headers,
                body: ResponseBody { writer in
                    try await relay.run(writer: &writer, inbound: inbound)
                }), isStream: true)
    }

    private func failedAttempt(_ lease: KeyLease, error: any Error, started: ContinuousClock.Instant) -> AttemptResult {
        if error is CancellationError || Task.isCancelled {
            pool.report(lease, outcome: .cancelled, latencyMillis: AttemptReporter.millis(since: started))
            return .clientGone
        }
        if let code = UpstreamFailureReason.localResourceExhaustion(error) {
            // Handing the key back unjudged: the failure was this machine's.
            pool.report(lease, outcome: .cancelled, latencyMillis: AttemptReporter.millis(since: started))
            return .gatewayOverloaded(errno: code)
        }
        let outcome = AttemptOutcome.upstreamFailure(reason: UpstreamFailureReason.describe(error))
        pool.report(lease, outcome: outcome, latencyMillis: AttemptReporter.millis(since: started))
        return .failed(outcome)
    }
}
