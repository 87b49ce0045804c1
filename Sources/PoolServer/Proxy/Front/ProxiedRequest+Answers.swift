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
                modelListKey, .init(status: head.status, headers: headers, body: body, fetchedAt: engine.clock.now))
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
        var headers = entry.headers
        // Relayed headers never hold the pool's own (`HeaderPolicy`): added, not searched for.
        headers.add(name: "x-pool-cache", value: state)
        headers.add(name: "x-pool-attempts", value: "0")
        headers.add(name: "x-request-id", value: requestID)
        writeWhole(entry.status, headers, body: entry.body)
    }

    /// The gateway's own error answer, in the route's dialect; past the edge checks it carries the request id.
    func answer(_ error: GatewayError) {
        trace?.record.error = error.message
        var headers = HTTPHeaders()
        for field in error.headers where field.name != .contentType {
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: "content-type", value: "application/json")
        if !requestID.isEmpty {
            headers.replaceOrAdd(name: "x-request-id", value: requestID)
            if !headers.contains(name: "x-pool-attempts") { headers.add(name: "x-pool-attempts", value: "0") }
        }
        let status = HTTPResponseStatus(statusCode: error.status.code, reasonPhrase: error.status.reasonPhrase)
        writeWhole(status, headers, body: ByteBuffer(string: error.body(in: dialect)))
    }

    /// `x-pool-key-id`, `x-pool-attempts` and `x-request-id` on an answer one of the pool's keys gave.
    func addPoolHeaders(_ headers: inout HTTPHeaders, key: String) {
        // Relayed headers never hold these (`HeaderPolicy`): added, not searched for.
        headers.add(name: "x-pool-key-id", value: key)
        headers.add(name: "x-pool-attempts", value: String(tried.count))
        headers.add(name: "x-request-id", value: requestID)
        addLimitHeaders(&headers)
        if cacheKey != nil { headers.add(name: "x-pool-cache", value: "miss") }
    }

    func writeWhole(_ status: HTTPResponseStatus, _ headers: HTTPHeaders, body: ByteBuffer) {
        guard !responseStarted, !responseEnded else { return }
        var headers = headers
        // Neither relayed nor error headers hold a length.
        headers.add(name: "content-length", value: String(body.readableBytes))
        responseStarted = true
        trace?.answerStarted(status: Int(status.code), now: .now)
        front?.writeResponseHead(status, headers, cors: hasOrigin)
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
