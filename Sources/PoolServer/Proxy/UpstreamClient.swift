import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// The one HTTP client every upstream call goes through (proxied requests, probes, model lists): a pool of
/// keep-alive connections per event loop and origin (``UpstreamConnectionPool``), used from the loop the caller
/// runs on. Proxied requests drive exchanges on their connection's loop directly (``connectionPool(on:)``);
/// probes and model discovery use the async API. Shut down with the server once in-flight requests have drained.
public final class UpstreamClient: Service, Sendable {
    /// Each loop's pool, made on that loop when first used.
    private let pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamConnectionPool?>]
    private let poolSettings: UpstreamConnectionPool.Settings
    private let group: any EventLoopGroup

    /// Proxied requests and probes wait this long for an answer's head unless they say otherwise.
    let firstByteTimeout: TimeAmount

    public convenience init(settings: GatewayConfiguration.UpstreamSettings) {
        var pool = UpstreamConnectionPool.Settings()
        pool.connectTimeout = .milliseconds(Int64(settings.connectTimeout * 1000))
        pool.streamIdleTimeout = .milliseconds(Int64(settings.streamIdleTimeout * 1000))
        pool.maxConnectionsPerOrigin = settings.connectionsPerHost
        self.init(
            group: MultiThreadedEventLoopGroup.singleton, settings: pool,
            firstByteTimeout: .milliseconds(Int64(settings.firstByteTimeout * 1000)))
    }

    /// A client on `group`'s loops; `settings.maxConnectionsPerOrigin` is shared out among the loops (each loop
    /// keeps at least one connection per origin).
    init(group: any EventLoopGroup, settings: UpstreamConnectionPool.Settings, firstByteTimeout: TimeAmount) {
        self.group = group
        self.firstByteTimeout = firstByteTimeout
        let loops = Array(group.makeIterator())
        var perLoop = settings
        perLoop.maxConnectionsPerOrigin = max(1, settings.maxConnectionsPerOrigin / max(1, loops.count))
        var pools: [ObjectIdentifier: NIOLoopBoundBox<UpstreamConnectionPool?>] = [:]
        for loop in loops {
            pools[ObjectIdentifier(loop)] = .makeEmptyBox(valueType: UpstreamConnectionPool.self, eventLoop: loop)
        }
        self.pools = pools
        self.poolSettings = perLoop
    }

    /// The pool of `loop`; call on `loop`.
    private func pool(
        on loop: any EventLoop, from box: NIOLoopBoundBox<UpstreamConnectionPool?>
    )
        -> UpstreamConnectionPool
    {
        if let pool = box.value { return pool }
        let pool = UpstreamConnectionPool(eventLoop: loop, settings: poolSettings)
        box.value = pool
        return pool
    }

    /// The pool of `loop` (made when first used), for callers on that loop that drive an ``UpstreamExchange``
    /// themselves; nil when `loop` is not one of the client's. Call on `loop`.
    func connectionPool(on loop: any EventLoop) -> UpstreamConnectionPool? {
        guard let box = pools[ObjectIdentifier(loop)] else { return nil }
        return pool(on: loop, from: box)
    }

    /// Under the name the tests and callers of the earlier AsyncHTTPClient-based client know: the client itself.
    var http: UpstreamClient { self }

    /// Sends `request` from the caller's event loop (any loop of the group when the caller runs on none) and
    /// returns once the answer's head arrived; the body follows as it is read.
    /// - Throws: ``UpstreamError`` for timeouts and closes, NIO's errors for connect, TLS and I/O failures,
    ///   `CancellationError` when the task is cancelled first.
    func execute(_ request: UpstreamRequest, firstByteTimeout: TimeAmount? = nil) async throws -> UpstreamResponse {
        try await exchange(request, firstByteTimeout: firstByteTimeout) { AsyncResponseReceiver($0) }
    }

    /// Sends `request` and returns the whole answer, read on the connection's event loop: one hand-over to the
    /// caller instead of one per chunk, for answers that are not relayed as they arrive.
    /// - Throws: as ``execute(_:firstByteTimeout:)``, and ``UpstreamError/bodyTooLarge(limit:)`` for a body over
    ///   `limit` bytes.
    func fetch(
        _ request: UpstreamRequest, upTo limit: Int, firstByteTimeout: TimeAmount? = nil
    ) async throws
        -> UpstreamAnswer
    {
        try await exchange(request, firstByteTimeout: firstByteTimeout) { CollectingReceiver($0, limit: limit) }
    }

    private func exchange<Result: Sendable>(
        _ request: UpstreamRequest, firstByteTimeout: TimeAmount?,
        receiver: @escaping @Sendable (CheckedContinuation<Result, any Error>) -> any UpstreamResponseReceiver
    ) async throws -> Result {
        guard let split = UpstreamOrigin.split(request.url) else { throw UpstreamError.invalidURL }
        let (origin, target) = split
        let loop = group.any()
        guard let box = pools[ObjectIdentifier(loop)] else { throw UpstreamError.shutDown }
        let head = request.head(origin: origin, target: target)
        let (body, timeout) = (request.body, firstByteTimeout ?? self.firstByteTimeout)
        let connectTimeout = request.connectTimeout
        let slot = NIOLoopBoundBox.makeEmptyBox(valueType: ExchangeSlot.self, eventLoop: loop)
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let start: @Sendable () -> Void = {
                        let exchange = UpstreamExchange(
                            eventLoop: loop, origin: origin, head: head, body: body, firstByteTimeout: timeout,
                            receiver: receiver(continuation))
                        exchange.connectTimeout = connectTimeout
                        if case .cancelled = slot.value {
                            exchange.fail(UpstreamError.cancelled)
                            return
                        }
                        slot.value = .started(exchange)
                        self.pool(on: loop, from: box).execute(exchange)
                    }
                    // On NIO's executor the task already runs on the loop: no hop.
                    if loop.inEventLoop { start() } else { loop.execute(start) }
                }
            } onCancel: {
                loop.execute {
                    if case .started(let exchange) = slot.value { exchange.cancel() }
                    slot.value = .cancelled
                }
            }
        } catch UpstreamError.cancelled {
            throw CancellationError()
        }
    }

    /// What a task's cancellation handler finds: its exchange, or that it was cancelled before the exchange began.
    private enum ExchangeSlot {
        case started(UpstreamExchange)
        case cancelled
    }

    /// Connections open (or opening) to the origin of `url` over all loops, and how many of them are parked.
    func connectionCount(to url: String) async throws -> (open: Int, idle: Int) {
        guard let origin = UpstreamOrigin.split(url)?.origin else { throw UpstreamError.invalidURL }
        var total = (open: 0, idle: 0)
        for loop in group.makeIterator() {
            guard let box = pools[ObjectIdentifier(loop)] else { continue }
            let count: (open: Int, idle: Int) = try await loop.submit {
                box.value?.connectionCount(origin) ?? (open: 0, idle: 0)
            }.get()
            total = (total.open + count.open, total.idle + count.idle)
        }
        return total
    }

    /// Closes every parked connection and refuses new requests.
    public func shutdown() async throws {
        for loop in group.makeIterator() {
            guard let box = pools[ObjectIdentifier(loop)] else { continue }
            try await loop.submit { box.value?.shutdown() }.get()
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }
}
