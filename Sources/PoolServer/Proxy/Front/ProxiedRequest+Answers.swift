import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import PoolCore

/// Whole answers: an upstream answer relayed once complete, the model list cache's copies, and the gateway's own
/// error answers in the route's dialect.
extension ProxiedRequest {
    /// An answer for the client (success, or an error that is the client's own), relayed whole.
    func relayWhole(_ head: HTTPResponseHead, outcome: AttemptOutcome, body: ByteBuffer) {
        guard let lease else { return }
        let headers = HeaderPolicy.downstreamHeaders(from: head.headers)
        let usage =
            outcome == .success ? UsageScanner.usage(in: body.readableBytesView, format: route.usageFormat) : nil
        engine.reporter.report(lease, outcome, started: started, provider: route.provider, usage: usage)
        traceAttempt(outcome, usage: usage)
        recordTokens(usage)
        if route.isModelList, outcome == .success {
            engine.modelCache.store(
                modelListKey,
                .init(status: head.status, headers: headers.httpHeaders, body: body, fetchedAt: engine.clock.now))
        }
        engine.reporter.recordRequest(
            provider: route.provider, model: model, result: .relayed(status: Int(head.status.code)))
        if route.isModelList, !(200..<300).contains(head.status.code), let stale = engine.modelCache.stale(modelListKey)
        {
            engine.modelCache.recordRefreshFailure()
            engine.logger.warning(
                "model list refresh failed; serving the cached list",
                metadata: ["provider": "\(route.provider)", "status": "\(head.status.code)"])
            answerCached(stale, state: "stale")
            return
        }
        var answer = headers
        if head.status.code == 200 { keepInResponseCache(headers, body: body) }
        addPoolHeaders(&answer, key: lease.key.id)
        writeWhole(head.status, answer, body: body)
    }

    /// No key could serve the request: a model list falls back on its last good copy, anything else is answered
    /// with `error` and counted.
    func giveUp(_ error: GatewayError) {
        if route.isModelList, let stale = engine.modelCache.stale(modelListKey) {
            engine.modelCache.recordRefreshFailure()
            engine.logger.warning(
                "model list refresh failed; serving the cached list",
                metadata: ["provider": "\(route.provider)", "error": "\(error.message)"])
            answerCached(stale, state: "stale")
            return
        }
        engine.reporter.recordRequest(provider: route.provider, model: model, result: StatsRecorder.result(of: error))
        answer(error)
    }

    func answerCached(_ entry: ModelListCache.Entry, state: String) {
        trace?.record.cached = true
        var headers = ResponseHeaderList(entry.headers)
        // Relayed headers never hold the pool's own (`HeaderPolicy`): added, not searched for.
        headers.add("x-pool-cache", state)
        headers.add("x-pool-attempts", "0")
        headers.add("x-request-id", requestID)
        writeWhole(entry.status, headers, body: entry.body)
    }

    /// `GET /v1/models/{id}` answered from the cached model list: the model's object.
    func answerCachedModel(_ object: ByteBuffer) {
        trace?.record.cached = true
        var headers = ResponseHeaderList()
        headers.add("content-type", "application/json")
        headers.add("x-pool-cache", "hit")
        headers.add("x-pool-attempts", "0")
        headers.add("x-request-id", requestID)
        writeWhole(.ok, headers, body: object)
    }

    /// The gateway's own error answer, in the route's dialect; past the edge checks it carries the request id.
    func answer(_ error: GatewayError) {
        trace?.record.error = error.message
        var headers = ResponseHeaderList()
        for field in error.headers where field.name != .contentType {
            headers.add(field.name.rawName, field.value)
        }
        headers.add("content-type", "application/json")
        if !requestID.isEmpty {
            headers.replaceOrAdd("x-request-id", requestID)
            if !headers.contains("x-pool-attempts") { headers.add("x-pool-attempts", "0") }
        }
        let status = HTTPResponseStatus(statusCode: error.status.code, reasonPhrase: error.status.reasonPhrase)
        writeWhole(status, headers, body: ByteBuffer(string: error.body(in: dialect)))
    }

    /// `x-pool-key-id`, `x-pool-attempts` and `x-request-id` on an answer one of the pool's keys gave.
    func addPoolHeaders(_ headers: inout ResponseHeaderList, key: String) {
        // Relayed headers never hold these (`HeaderPolicy`): added, not searched for.
        headers.add("x-pool-key-id", key)
        headers.add("x-pool-attempts", String(tried.count))
        headers.add("x-request-id", requestID)
        addLimitHeaders(&headers)
        if cacheKey != nil { headers.add("x-pool-cache", "miss") }
    }

    func writeWhole(_ status: HTTPResponseStatus, _ headers: ResponseHeaderList, body: ByteBuffer) {
        guard !responseStarted, !responseEnded else { return }
        responseStarted = true
        trace?.answerStarted(status: Int(status.code), now: .now)
        // Neither relayed nor error headers hold a length: the front adds it.
        front?.writeResponseHead(status, headers, contentLength: body.readableBytes, cors: hasOrigin)
        if body.readableBytes > 0 { front?.writeResponseBody(body, flush: false) }
        endResponse()
    }

    /// Writes the answer's end; the front then moves on to the next request (or closes).
    func endResponse() {
        guard !responseEnded else { return }
        responseEnded = true
        // Before the end goes out: writing it can start the next pipelined request, whose record comes after.
        finishTrace()
        front?.endResponse(of: self)
    }
}
