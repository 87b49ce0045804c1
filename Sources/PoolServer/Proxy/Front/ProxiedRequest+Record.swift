import NIOCore
import NIOHTTP1
import PoolCore

/// The request's ``RequestRecord`` for the request observers: filled in as the request goes (each step a no-op
/// when nothing observes) and handed over exactly once, when its answer ends or it is abandoned.
extension ProxiedRequest {
    /// Status of a request that ended without an answer byte written (the client left, or the server stopped
    /// first): nginx's "client closed request".
    static let noAnswerStatus = 499

    /// The current attempt ended with `outcome`; its usage (when it had some) is the request's.
    func traceAttempt(_ outcome: AttemptOutcome, usage: TokenUsage? = nil, error: String? = nil) {
        guard let trace, let lease else { return }
        trace.attemptEnded(key: lease.key.id, outcome, started: started, now: .now, error: error)
        if let usage {
            trace.record.promptTokens = usage.promptTokens
            trace.record.completionTokens = usage.completionTokens
        }
    }

    /// `LOG_BODIES`: the whole body, as text, its first `RequestRecord.bodyLimit` bytes.
    func traceBody() {
        guard let trace, body.readableBytes > 0 else { return }
        let bytes = body.readableBytesView.prefix(RequestRecord.bodyLimit)
        trace.record.body = String(decoding: bytes, as: UTF8.self)
    }

    /// Completes the record and hands it to the observers; later calls do nothing.
    func finishTrace() {
        guard let trace else { return }
        self.trace = nil
        let now = ContinuousClock.now
        // Refused before the token was checked: the id the request would have had.
        trace.record.id = requestID.isEmpty ? ProxyEngine.requestID(given: fields.requestID) : requestID
        if let token {
            trace.record.tokenID = token.record.id
            trace.record.tokenName = token.record.name
        }
        trace.record.model = model
        trace.record.stream = wantsStream
        if !trace.answered { trace.record.status = Self.noAnswerStatus }
        trace.record.seconds = RequestTrace.seconds(now - trace.arrived)
        engine.observers.requestFinished(trace.record)
    }
}
