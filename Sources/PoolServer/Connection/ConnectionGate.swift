import HTTPTypes
import NIOCore
import Synchronization

/// Counts the client connections open across all event loops and refuses one beyond `MAX_CONNECTIONS`.
///
/// A refused connection is accepted, told why (`503` with `Retry-After`, JSON) and closed, rather than left in
/// the listen backlog: a client learns at once that the gateway is full, and the process keeps descriptors for
/// the connections it serves and their upstream connections.
final class ConnectionGate: Sendable {
    /// Connections beyond the limit that are accepted only to be told "503": more than this many at once and the
    /// server stops accepting until some close (the rest wait in the kernel's listen backlog), so that a flood
    /// never takes the descriptors the gateway needs — running out of them is fatal to more than one request
    /// (Dispatch, which the store uses, ends the process when it cannot read `/proc`).
    static let refusalBudget = 16

    let limit: Int
    private let open = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = limit
    }

    /// Most connections the server accepts at once: the served ones and those being refused.
    var acceptLimit: Int { limit + Self.refusalBudget }

    /// Half the open-file limit, less 64 for the refusals, the store, logs and listeners: each proxied request
    /// holds a client and an upstream connection. At least 16.
    static func automaticLimit(openFileLimit: Int) -> Int {
        max(16, openFileLimit / 2 - 64)
    }

    /// `MAX_CONNECTIONS` as configured (0: automatic), but never more than the open-file limit can carry.
    static func effectiveLimit(configured: Int, openFileLimit: Int) -> (limit: Int, clamped: Bool) {
        let carried = automaticLimit(openFileLimit: openFileLimit)
        guard configured > 0 else { return (carried, false) }
        return configured > carried ? (carried, true) : (configured, false)
    }

    /// Client connections open now.
    var openConnections: Int { open.load(ordering: .relaxed) }

    /// Admits a new connection (counting it until it closes) or says it must be refused.
    func admit(_ channel: any Channel) -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        channel.closeFuture.whenComplete { _ in self.open.subtract(1, ordering: .relaxed) }
        return now <= limit
    }

    /// Counts a refusal; true for the 1st, 2nd, 4th, 8th … so that a flood of refusals logs a few lines, not one
    /// per connection.
    func countRefusal() -> (total: Int, worthLogging: Bool) {
        let total = refused.add(1, ordering: .relaxed).newValue
        return (total, total & (total - 1) == 0)
    }
}

/// Answers a connection the gate refused: waits for the client's first bytes (closing at once would reset the
/// connection under a request the client is still sending, and the client would see a reset, not the answer),
/// writes the 503, ends its side of the connection and discards whatever else arrives. Whatever happens, the
/// connection is closed two seconds after it opened.
final class ConnectionRefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var answered = false
    private var deadline: Scheduled<Void>?

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        deadline = context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(2)) {
            loopBound.value.close(promise: nil)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !answered else { return }
        answered = true
        let error = GatewayError(
            .serviceUnavailable,
            "the gateway has as many connections open as it serves (MAX_CONNECTIONS); retry shortly",
            code: .gatewayOverloaded, headers: [.retryAfter: "1"]
        )
        let dialect = RawHTTPAnswer.dialect(ofRequestLine: unwrapInboundIn(data).readableBytesView)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(RawHTTPAnswer.make(error, in: dialect))).assumeIsolated().whenComplete {
            _ in loopBound.value.close(mode: .output, promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadline?.cancel()
    }
}
