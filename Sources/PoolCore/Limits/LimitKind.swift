/// The four limits a token policy can set; the raw values are the policy's field names.
public enum LimitKind: String, Sendable, CaseIterable, Codable {
    case requestsPerMinute = "rpm"
    case tokensPerMinute = "tpm"
    case requestQuota = "request_quota"
    case tokenQuota = "token_quota"

    /// Whether the limit counts tokens (recorded after the answer) rather than requests (counted at admission).
    public var countsTokens: Bool { self == .tokensPerMinute || self == .tokenQuota }

    /// Whether the window is the minute (else the policy's quota period).
    public var isPerMinute: Bool { self == .requestsPerMinute || self == .tokensPerMinute }

    /// Words for messages.
    var label: String {
        switch self {
        case .requestsPerMinute: "requests per minute"
        case .tokensPerMinute: "tokens per minute"
        case .requestQuota: "request quota"
        case .tokenQuota: "token quota"
        }
    }
}
