import NIOCore
import NIOHTTP1
import PoolCore

/// Streams: whole events (SSE) or lines (NDJSON) relayed as they arrive, read from the upstream only while the
/// client takes them; an error event when the upstream breaks off or the shutdown grace runs out; the attempt
/// reported (with usage from the stream's tail) when the stream is over.
extension ProxiedRequest {
    /// Where a stream ends that its client did not see to the end.
    enum Abandonment {
        /// The client left: nothing more can be written.
        case clientGone
        /// The server's shutdown grace ran out: the client is told so, and its answer ends.
        case shutdown
    }

    /// The first chunk came: the head goes out, and no other key can take over any more.
    func startStream(_ head: HTTPResponseHead) {
        guard let lease else { return }
        var headers = HeaderPolicy.downstreamHeaders(from: head.headers)
        if !headers.contains("content-type") { headers.add("content-type", route.framing.contentType) }
        headers.replaceOrAdd("cache-control", "no-cache")
        addPoolHeaders(&headers, key: lease.key.id)
        attempt = .streaming
        responseStarted = true
        if let trace {
            trace.answerStarted(status: Int(head.status.code), now: .now)
            engine.observers.streamStarted(provider: route.provider)
        }
        front?.writeResponseHead(head.status, headers, contentLength: nil, cors: hasOrigin)
    }

    /// Relays what of `chunk` completes events; holds the upstream back while the client's socket is full.
    func relay(_ chunk: ByteBuffer) {
        tail.append(chunk.readableBytesView)
        if let complete = framer.frame(chunk) { front?.writeResponseBody(complete, flush: true) }
        if front?.clientIsWritable == false { wantsMore = false }
    }

    /// The client's socket drained: read on from the upstream.
    func clientWritable() {
        guard case .streaming = attempt, !wantsMore, let exchange else { return }
        exchange.demandMore()
    }

    /// The stream ended as the upstream meant it to.
    func finishStream() {
        attempt = .none
        exchange = nil
        if let rest = framer.finish() { front?.writeResponseBody(rest, flush: false) }
        let usage = UsageScanner.usage(in: tail.contents, format: route.usageFormat)
        streamOver(.success, usage: usage)
        endResponse()
    }

    /// The upstream broke off mid-stream: the unfinished event is dropped (half an event would break the client's
    /// parser) and an error event in the route's dialect ends the answer.
    func streamBroke(_ error: any Error) {
        attempt = .none
        exchange = nil
        let reason = UpstreamFailureReason.describe(error)
        trace?.record.error = "the upstream broke off the stream: \(reason)"
        _ = framer.finish()
        front?.writeResponseBody(StreamErrorEvent.upstreamBroke(reason, in: dialect), flush: false)
        streamOver(.upstreamFailure(reason: "stream broke: \(reason)"), usage: nil)
        endResponse()
    }

    /// The answer will not be completed: the upstream exchange is closed at once and the key handed back
    /// unjudged. A stream is counted as ended by its client (or, after the shutdown grace, told so first); a
    /// request still waiting for its answer is not counted, as a client gone before the answer never was.
    /// - Returns: whether an answer was left open for the caller to end (a stream told of the shutdown).
    func abandon(_ why: Abandonment) -> Bool {
        let wasStreaming: Bool
        if case .streaming = attempt { wasStreaming = true } else { wasStreaming = false }
        let hadAttempt: Bool
        if case .none = attempt { hadAttempt = false } else { hadAttempt = true }
        dropExchange()
        if why == .shutdown { trace?.record.error = "the gateway shut down before the answer was complete" }
        guard hadAttempt, let lease else {
            responseEnded = true
            finishTrace()
            return false
        }
        guard wasStreaming else {
            engine.abandoned(lease, started: started)
            traceAttempt(.cancelled)
            responseEnded = true
            finishTrace()
            return false
        }
        var open = false
        if why == .shutdown {
            _ = framer.finish()
            front?.writeResponseBody(StreamErrorEvent.shuttingDown(in: dialect), flush: false)
            open = true
        }
        streamOver(.cancelled, usage: nil)
        responseEnded = true
        finishTrace()
        return open
    }

    /// Reports the stream's attempt and counts the request; the attempt's outcome decides, so a client that left
    /// mid-stream is not the upstream's failure.
    private func streamOver(_ outcome: AttemptOutcome, usage: TokenUsage?) {
        guard let lease else { return }
        engine.reporter.report(lease, outcome, started: started, provider: route.provider, usage: usage)
        traceAttempt(outcome, usage: usage)
        recordTokens(usage)
        engine.reporter.recordRequest(provider: route.provider, model: model, result: .streamEnded(outcome))
    }
}
