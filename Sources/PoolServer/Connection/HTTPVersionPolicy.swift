import NIOCore
import NIOHTTP1

/// What HTTP/1.x says about a connection's lifetime, which the version-free HTTP types behind the proxy front
/// cannot carry: a request that does not ask to keep the connection (HTTP/1.0 without `Connection: keep-alive`,
/// or any `Connection: close`) gets `Connection: close` marked on its head, so the server closes after answering,
/// and an HTTP/1.0 client gets an HTTP/1.0 answer it can read: no chunked framing (the body then ends with the
/// connection). With TLS on, every answer carries `Strict-Transport-Security`.
///
/// Applied by ``ClientAnswers`` (in ``ProxyFrontHandler``) to every request head as it arrives and to every
/// answer head and end as it leaves, proxied or Hummingbird's (answers leave in the order requests came). Not a
/// channel handler of its own: each handler on the client pipeline costs every request part a pass and a cast
/// (issue #13).
struct HTTPVersionPolicy {
    /// One year, the value HSTS preload lists expect.
    static let strictTransportSecurity = "max-age=31536000"

    private struct Pending {
        let version: HTTPVersion
        let keepAlive: Bool
        let method: HTTPMethod
    }

    /// What the request an answer is for asks of it.
    struct Answer {
        var version = HTTPVersion.http1_1
        /// The `Connection` value the answer must carry, if any.
        var connection: String?
        var strictTransportSecurity: Bool
        /// The request's method: the answer to a `HEAD` or `CONNECT` has no body (``HTTPAnswerEncoder``).
        var requestMethod: HTTPMethod?
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
        pending.append(Pending(version: head.version, keepAlive: keepAlive, method: head.method))
        if !keepAlive, !head.headers[canonicalForm: "connection"].contains(where: { $0.lowercased() == "close" }) {
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
    }

    /// An answer head leaves: what the oldest unanswered request's HTTP version and keep-alive call for.
    mutating func answerLeaves(status: HTTPResponseStatus, hasContentLength: Bool) -> Answer {
        var answer = Answer(strictTransportSecurity: addsStrictTransportSecurity)
        // An informational answer (100 Continue) precedes the real one for the same request.
        guard let request = status.code < 200 ? pending.first : pending.popFirst() else { return answer }
        answer.requestMethod = request.method
        if !request.keepAlive { answer.connection = "close" }
        if request.version == .http1_0 {
            answer.version = .http1_0
            if !hasContentLength {
                // HTTP/1.0 has no chunked framing: the body ends when the connection does, which the server
                // does not know to do for a request that asked to keep it.
                answer.connection = "close"
                closeAfterEnd = request.keepAlive && status.code >= 200
            } else if request.keepAlive {
                answer.connection = "keep-alive"
            }
        }
        return answer
    }

    /// A head of Hummingbird's leaves: made what ``answerLeaves(status:hasContentLength:)`` says.
    mutating func answerLeaves(_ head: inout HTTPResponseHead) -> Answer {
        let hasContentLength = head.headers.contains(name: "content-length")
        let answer = answerLeaves(status: head.status, hasContentLength: hasContentLength)
        head.version = answer.version
        if let connection = answer.connection { head.headers.replaceOrAdd(name: "connection", value: connection) }
        if answer.version == .http1_0, !hasContentLength { head.headers.remove(name: "transfer-encoding") }
        if answer.strictTransportSecurity {
            head.headers.replaceOrAdd(name: "strict-transport-security", value: Self.strictTransportSecurity)
        }
        return answer
    }

    /// An answer's end leaves: true when the connection must close once it is written (and the mark is cleared).
    mutating func endLeavesClosing() -> Bool {
        defer { closeAfterEnd = false }
        return closeAfterEnd
    }
}
