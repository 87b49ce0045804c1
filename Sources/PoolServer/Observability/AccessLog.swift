import Logging
import PoolCore

/// `ACCESS_LOG=1`: one `info` line per proxied request, as the request observers see it end — request id, token
/// name (and id), provider, route, model, the key id of the attempt that answered (the last one), attempts,
/// status, duration and time to first byte in milliseconds, tokens, cached, the gateway's error. Absent values are
/// left out. Never a secret or the request's text: `RequestRecord` holds neither. Written whatever `LOG_LEVEL`
/// says (the operator asked for these lines), through the process's log handler, which only queues the line: no
/// I/O on the event loop that calls.
struct AccessLog: RequestObserver {
    let logger: Logger

    init(label: String = "ollama-pool.access") {
        var logger = Logger(label: label)
        logger.logLevel = .info
        self.logger = logger
    }

    init(logger: Logger) {
        self.logger = logger
    }

    func requestFinished(_ record: RequestRecord) {
        logger.info("proxied request", metadata: Self.metadata(of: record))
    }

    /// The line's fields.
    static func metadata(of record: RequestRecord) -> Logger.Metadata {
        var fields: Logger.Metadata = [
            "request_id": .string(record.id),
            "provider": .string(record.provider.rawValue),
            "route": .string(record.route),
            "stream": .string(record.stream ? "true" : "false"),
            "status": .string(String(record.status)),
            "attempts": .string(String(record.attempts.count)),
            "duration_ms": .string(milliseconds(record.seconds)),
            "cached": .string(record.cached ? "true" : "false"),
        ]
        if let name = record.tokenName { fields["token"] = .string(name) }
        if let id = record.tokenID { fields["token_id"] = .string(id) }
        if let model = record.model { fields["model"] = .string(model) }
        if let answering = record.attempts.last { fields["key"] = .string(answering.keyID) }
        if let firstByte = record.firstByteSeconds { fields["ttfb_ms"] = .string(milliseconds(firstByte)) }
        if !record.attempts.isEmpty { fields["upstream_ms"] = .string(milliseconds(record.upstreamSeconds)) }
        if let prompt = record.promptTokens { fields["prompt_tokens"] = .string(String(prompt)) }
        if let completion = record.completionTokens { fields["completion_tokens"] = .string(String(completion)) }
        if let error = record.error { fields["error"] = .string(error) }
        return fields
    }

    /// Milliseconds to a tenth: `12.3`, `0.1`, `1500.0`.
    static func milliseconds(_ seconds: Double) -> String {
        // Clamped: a clock that stepped must not crash the conversion (NaN, infinity, overflow).
        let bounded = seconds.isFinite ? min(max(0, seconds), 1e9) : 0
        let tenths = Int((bounded * 10_000).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
