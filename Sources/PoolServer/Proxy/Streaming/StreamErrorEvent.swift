import HTTPTypes
import NIOCore

/// How a stream that already began tells its client that it ends badly (the upstream broke off, the server's
/// shutdown grace ran out): an error event in the route's dialect, which the client's SDK raises as an error.
enum StreamErrorEvent {
    /// The event for `error` in `dialect`'s stream shape.
    static func make(_ error: GatewayError, in dialect: ErrorDialect) -> ByteBuffer {
        switch dialect {
        case .openAI, .admin:
            return ByteBuffer(string: "data: " + error.body(in: .openAI) + "\n\n")
        case .anthropic:
            return ByteBuffer(string: "event: error\ndata: " + error.body(in: .anthropic) + "\n\n")
        case .ollama:
            return ByteBuffer(string: error.body(in: .ollama) + "\n")
        }
    }

    /// The upstream broke off mid-stream.
    static func upstreamBroke(_ reason: String, in dialect: ErrorDialect) -> ByteBuffer {
        make(GatewayError(.badGateway, "the upstream stream broke off: \(reason)", type: "upstream_error"), in: dialect)
    }

    /// The shutdown grace (`SHUTDOWN_GRACE_SECONDS`) ran out before the stream ended.
    static func shuttingDown(in dialect: ErrorDialect) -> ByteBuffer {
        make(
            GatewayError(
                .serviceUnavailable, "the gateway is shutting down; this answer is incomplete", type: "server_error"),
            in: dialect)
    }
}
