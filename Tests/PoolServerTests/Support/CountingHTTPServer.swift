import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// A plain NIO HTTP/1 server on loopback for the upstream client's tests: it answers every request the same way,
/// counts the connections it accepted and has open, and can close a connection right after answering (without
/// saying so), never answer, answer a large body, or serve TLS.
final class CountingHTTPServer: Sendable {
    struct Behavior: Sendable {
        var body = "ok"
        /// The body is `body` repeated this many times.
        var repeats = 1
        /// Close the connection after each answer, which still says keep-alive.
        var closeAfterAnswer = false
        /// Wait this long before answering.
        var delay: TimeAmount = .zero
        /// Never answer.
        var hang = false
        /// Close the connection, unanswered, on every request but the first on it (`dropAll`: on every request).
        var dropAfterFirst = false
        var dropAll = false
        /// Write the body piece by piece (`body` each time, `repeats` times), each piece once the last was taken
        /// by the kernel, counting the bytes written: how fast the client reads then shows in `bytesWritten`.
        var paced = false
        var contentType = "text/plain"
    }

    struct Counts: Sendable {
        var accepted = 0
        var open = 0
        var requests = 0
        var maxOpen = 0
        /// Body bytes the kernel took (paced answers only).
        var bytesWritten = 0
    }

    let port: Int
    private let channel: any Channel
    private let counts: Mutex<Counts>

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
        self.counts = Mutex(Counts())
    }

    var snapshot: Counts { counts.withLock { $0 } }

    static func start(behavior: Behavior = Behavior(), tls: NIOSSLContext? = nil) async throws -> CountingHTTPServer {
        let counter = CountingHTTPServer.Counter()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.configureHTTPServerPipeline(withErrorHandling: false)
                    try pipeline.addHandler(Answering(behavior: behavior, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = CountingHTTPServer(port: channel.localAddress?.port ?? 0, channel: channel)
        counter.server.withLock { $0 = server }
        return server
    }

    func stop() async throws {
        try await channel.close()
    }

    /// Lets the per-connection handlers reach the server built after them.
    private final class Counter: Sendable {
        let server = Mutex<CountingHTTPServer?>(nil)

        func update(_ change: (inout Counts) -> Void) {
            server.withLock { server in server?.counts.withLock { change(&$0) } }
        }
    }

    private final class Answering: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let behavior: Behavior
        let counter: Counter
        /// Requests seen on this connection.
        private var requestsHere = 0

        init(behavior: Behavior, counter: Counter) {
            self.behavior = behavior
            self.counter = counter
        }

        func channelActive(context: ChannelHandlerContext) {
            counter.update {
                $0.accepted += 1
                $0.open += 1
                $0.maxOpen = max($0.maxOpen, $0.open)
            }
            context.fireChannelActive()
        }

        func channelInactive(context: ChannelHandlerContext) {
            counter.update { $0.open -= 1 }
            context.fireChannelInactive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            counter.update { $0.requests += 1 }
            requestsHere += 1
            if behavior.dropAll || (behavior.dropAfterFirst && requestsHere > 1) {
                context.close(promise: nil)
                return
            }
            guard !behavior.hang else { return }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.assumeIsolated().scheduleTask(in: behavior.delay) {
                let (handler, context) = loopBound.value
                handler.answer(context)
            }
        }

        private func answer(_ context: ChannelHandlerContext) {
            if behavior.paced {
                let head = HTTPResponseHead(
                    version: .http1_1, status: .ok, headers: ["content-type": behavior.contentType])
                context.write(wrapOutboundOut(.head(head)), promise: nil)
                writePiece(context, remaining: behavior.repeats, piece: ByteBuffer(string: behavior.body))
                return
            }
            var body = context.channel.allocator.buffer(capacity: behavior.body.utf8.count * behavior.repeats)
            for _ in 0..<behavior.repeats { body.writeString(behavior.body) }
            let head = HTTPResponseHead(
                version: .http1_1, status: .ok,
                headers: ["content-length": String(body.readableBytes), "content-type": behavior.contentType])
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
            let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if behavior.closeAfterAnswer {
                let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
                written.assumeIsolated().whenComplete { _ in loopBound.value.close(promise: nil) }
            }
        }

        private func writePiece(_ context: ChannelHandlerContext, remaining: Int, piece: ByteBuffer) {
            guard remaining > 0 else {
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                return
            }
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let counter = self.counter
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(piece)))).assumeIsolated().whenSuccess {
                counter.update { $0.bytesWritten += piece.readableBytes }
                // Through the loop's queue: a write that completes at once would otherwise recurse.
                context.eventLoop.assumeIsolated().execute {
                    let (handler, context) = loopBound.value
                    handler.writePiece(context, remaining: remaining - 1, piece: piece)
                }
            }
        }
    }
}
