import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The keep-alive connections of one event loop to every upstream origin, at most
/// ``Settings/maxConnectionsPerOrigin`` per origin; requests beyond that wait in order for a connection to come
/// free. Everything here happens on `eventLoop`: the caller, the connections and their timers share it, so nothing
/// is locked.
final class UpstreamConnectionPool {
    /// How connections are made and kept.
    struct Settings: Sendable {
        var connectTimeout: TimeAmount = .seconds(10)
        /// A parked connection is closed after this long unused.
        var idleTimeout: TimeAmount = .seconds(60)
        /// An answer silent for this long (while its reader takes more) fails.
        var streamIdleTimeout: TimeAmount = .seconds(120)
        var maxConnectionsPerOrigin = 1024
        /// For `https://` origins: certificate verification against the system's roots by default, with SNI.
        var tls: TLSConfiguration = .makeClientConfiguration()
    }

    /// A class, looked up once per call and changed in place: a struct taken out of the dictionary would copy
    /// its `idle` array on the first change while the dictionary still holds it.
    private final class OriginConnections {
        /// Parked connections, the most recently used last.
        var idle: [UpstreamConnectionHandler] = []
        /// Connections open or being opened.
        var open = 0
        var waiting = CircularBuffer<UpstreamExchange>()
    }

    let eventLoop: any EventLoop
    let settings: Settings
    private var origins: [UpstreamOrigin: OriginConnections] = [:]
    private var tlsContext: NIOSSLContext?
    private var isShutDown = false

    init(eventLoop: any EventLoop, settings: Settings) {
        self.eventLoop = eventLoop
        self.settings = settings
    }

    /// Connections open or being opened to `origin`, and how many of them are parked (for tests and statistics).
    func connectionCount(_ origin: UpstreamOrigin) -> (open: Int, idle: Int) {
        let connections = origins[origin]
        return (connections?.open ?? 0, connections?.idle.count ?? 0)
    }

    /// Sends `exchange` on a parked connection, a new one, or once one comes free.
    func execute(_ exchange: UpstreamExchange) {
        eventLoop.preconditionInEventLoop()
        guard !isShutDown else {
            exchange.fail(UpstreamError.shutDown)
            return
        }
        exchange.pool = self
        let connections = self.connections(to: exchange.origin)
        while let connection = connections.idle.popLast() {
            guard connection.isUsable else { continue }
            connection.start(exchange)
            return
        }
        if connections.open < settings.maxConnectionsPerOrigin {
            connections.open += 1
            connect(for: exchange)
        } else {
            connections.waiting.append(exchange)
        }
    }

    /// A connection finished an answer and can be reused: the next waiting request takes it, else it is parked.
    func release(_ connection: UpstreamConnectionHandler) {
        guard !isShutDown else {
            connection.close()
            return
        }
        let connections = self.connections(to: connection.origin)
        if let next = connections.waiting.popFirst() {
            connection.start(next)
            return
        }
        connections.idle.append(connection)
        connection.becomeIdle()
    }

    /// A connection closed (or will not be used again): its place goes to the next waiting request.
    func connectionClosed(_ connection: UpstreamConnectionHandler) {
        guard let connections = origins[connection.origin] else { return }
        connections.open -= 1
        connections.idle.removeAll { $0 === connection }
        openForNextWaiting(connections)
    }

    /// A waiting exchange gave up.
    func withdraw(_ exchange: UpstreamExchange) {
        guard let connections = origins[exchange.origin],
            let index = connections.waiting.firstIndex(where: { $0 === exchange })
        else { return }
        connections.waiting.remove(at: index)
    }

    /// Closes parked connections and refuses new requests; running answers finish, then their connections close.
    func shutdown() {
        isShutDown = true
        for (_, connections) in origins {
            for connection in connections.idle { connection.close() }
            for exchange in connections.waiting { exchange.fail(UpstreamError.shutDown) }
        }
    }

    // MARK: Internals

    private func connections(to origin: UpstreamOrigin) -> OriginConnections {
        if let known = origins[origin] { return known }
        let connections = OriginConnections()
        origins[origin] = connections
        return connections
    }

    private func openForNextWaiting(_ connections: OriginConnections) {
        guard connections.open < settings.maxConnectionsPerOrigin, let next = connections.waiting.popFirst() else {
            return
        }
        connections.open += 1
        connect(for: next)
    }

    private func connect(for exchange: UpstreamExchange) {
        let origin = exchange.origin
        let sslContext: NIOSSLContext?
        do {
            sslContext = origin.secure ? try makeTLSContext() : nil
        } catch {
            connectFailed(origin, exchange: exchange, error: error)
            return
        }
        let (streamIdleTimeout, idleTimeout) = (settings.streamIdleTimeout, settings.idleTimeout)
        let connecting = ClientBootstrap(group: eventLoop)
            .connectTimeout(exchange.connectTimeout ?? settings.connectTimeout)
            .channelOption(.autoRead, value: false)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(
                            NIOSSLClientHandler(context: sslContext, serverHostname: origin.serverName))
                    }
                    // The request leaves as bytes (`UpstreamWire`): no request encoder, and no outbound header
                    // validation (about 10k instructions a request): every request header is either a client's,
                    // which NIO's parser already refused with CR, LF or NUL in it, or ours, built from keys that
                    // `KeySecretRules` keeps free of control characters. Every head says its own framing
                    // (`UpstreamRequest.head`, `ProxyEngine.upstreamHead`: a `Content-Length` on each request with a
                    // body, none without).
                    let decoder = UpstreamWire.ResponseDecoder(http: HTTPResponseDecoder())
                    try pipeline.addHandler(ByteToMessageHandler(decoder))
                    try pipeline.addHandler(
                        UpstreamConnectionHandler(
                            decoder: decoder,
                            origin: origin, streamIdleTimeout: streamIdleTimeout, idleTimeout: idleTimeout))
                }
            }
            .connect(host: origin.host, port: origin.port)
        connecting.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                guard
                    let connection = try? channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
                else {
                    channel.close(promise: nil)
                    self.connectFailed(origin, exchange: exchange, error: UpstreamError.remoteClosed)
                    return
                }
                connection.pool = self
                guard connection.isUsable else {
                    self.connectionClosed(connection)
                    exchange.fail(UpstreamError.remoteClosed)
                    return
                }
                if exchange.isDone {
                    // The request gave up while connecting: the new connection serves the next one, or waits.
                    self.release(connection)
                } else {
                    connection.start(exchange)
                }
            case .failure(let error):
                self.connectFailed(origin, exchange: exchange, error: error)
            }
        }
    }

    private func connectFailed(_ origin: UpstreamOrigin, exchange: UpstreamExchange, error: any Error) {
        let connections = self.connections(to: origin)
        connections.open -= 1
        exchange.fail(error)
        // The next waiting request tries for itself: each failure is its own request's outcome.
        openForNextWaiting(connections)
    }

    private func makeTLSContext() throws -> NIOSSLContext {
        if let tlsContext { return tlsContext }
        let context = try NIOSSLContext(configuration: settings.tls)
        tlsContext = context
        return context
    }
}
