import PoolCore

extension StreamFraming {
    /// The content type a stream of this framing is answered with when the upstream names none.
    var contentType: String {
        switch self {
        case .serverSentEvents: return "text/event-stream"
        case .jsonLines: return "application/x-ndjson"
        }
    }
}
