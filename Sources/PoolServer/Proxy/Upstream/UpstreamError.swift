/// How an upstream exchange failed on the gateway's side of the wire: no answer in time, a closed connection,
/// an answer too large. Transport errors from NIO (connect, TLS, I/O) pass through as they are.
enum UpstreamError: Error, Equatable, Sendable {
    /// The URL is not an absolute `http://` or `https://` URL.
    case invalidURL
    /// No answer head within the first-byte timeout.
    case firstByteTimeout
    /// The answer went silent longer than the stream idle timeout.
    case idleTimeout
    /// The upstream closed the connection before its answer was complete.
    case remoteClosed
    /// The answer's body is larger than the caller accepts.
    case bodyTooLarge(limit: Int)
    /// The caller gave the exchange up (client gone, task cancelled).
    case cancelled
    /// The client is shut down.
    case shutDown
}
