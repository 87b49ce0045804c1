import NIOCore
import NIOHTTP1

/// What HTTP/1.x says about a connection's lifetime, which the version-free HTTP types behind the proxy front
/// cannot carry: a request that does not ask to keep the connection (HTTP/1.0 without `Connection: keep-alive`,
/// or any `Connection: close`) gets `Connection: close` marked on its head, so the server closes after answering,
/// and an HTTP/1.0 client gets an HTTP/1.0 answer it can read: no chunked framing (the body then ends with the
/// connection). With TLS on, every answer carries `Strict-Transport-Security`.
///
/// Applied by ``ProxyFrontHandler`` to every request head as it arrives and to every answer head and end as it
/// leaves, proxied or Hummingbird's (answers leave in the order requests came). Not a channel handler of its own:
/// each handler on the client pipeline costs every request part a pass and a cast (issue #13).
struct HTTPVersionPolicy {
    /// One year, the value HSTS preload lists expect.
    static let strictTransportSecurity = "max-age=31536000"

    private struct Pending {
        let version: HTTPVersion
        let keepAlive: Bool
    }

    private let addsStrictTransportSecurity: Bool
    private var pending = CircularBuffer<Pending>(initialCapacity: 2)
    /// The answer being written ends a connection the server would keep: close once its end is written. (A
    /// request that asked to close is closed by the server itself, which sees `Connection: close` on its head.)
    private var closeAfterEnd = false

    init(tls: Bool) {
        self.addsStrictTransportSecurity = tls
    }

    /// A request head arrived: remembers what its answer must be, and marks a head that does not keep the
    /// connection with `Connection: close`.
    mutating func requestArrived(_ head: inout HTTPRequestHead) {
        let keepAlive = head.isKeepAlive
        pending.append(Pending(version: head.version, keepAlive: keepAlive))
        if !keepAlive, !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
    }

    /// An answer head leaves: made what the oldest unanswered request's HTTP version and keep-alive call for.
    mutating func answerLeaves(_ head: inout HTTPResponseHead) {
        // An informational answer (100 Continue) precedes the real one for the same request.
        let request = head.status.code < 200 ? pending.first : pending.popFirst()
        if let request {
            if !request.keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
            if request.version == .http1_0 {
                head.version = .http1_0
                if head.headers["content-length"].isEmpty {
                    // HTTP/1.0 has no chunked framing: the body ends when the connection does, which the server
                    // does not know to do for a request that asked to keep it.
                    head.headers.remove(name: "transfer-encoding")
                    head.headers.replaceOrAdd(name: "connection", value: "close")
                    closeAfterEnd = request.keepAlive && head.status.code >= 200
                } else if request.keepAlive {
                    head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
                }
            }
        }
        if addsStrictTransportSecurity {
            head.headers.replaceOrAdd(name: "strict-transport-security", value: Self.strictTransportSecurity)
        }
    }

    /// An answer's end leaves: true when the connection must close once it is written (and the mark is cleared).
    mutating func endLeavesClosing() -> Bool {
        defer { closeAfterEnd = false }
        return closeAfterEnd
    }
}
