/// How an attempt's ``AttemptOutcome`` reads in a request record (and in the metrics' `outcome` label).
extension RequestRecord.AttemptResult {
    /// The record's word for `outcome`.
    public init(_ outcome: AttemptOutcome) {
        switch outcome {
        case .success: self = .success
        case .rejected: self = .rejected
        case .rateLimited: self = .rateLimited
        case .outOfCredit: self = .outOfCredit
        case .upstreamFailure: self = .failed
        case .clientError: self = .clientError
        case .cancelled: self = .cancelled
        }
    }
}

extension RequestRecord.Attempt {
    /// Why an attempt with `outcome` failed, in the gateway's words; nil for an answer that was relayed as it was.
    public static func error(for outcome: AttemptOutcome) -> String? {
        switch outcome {
        case .success, .clientError: nil
        case .rejected(let status): "the upstream rejected the key (\(status))"
        case .outOfCredit: "the key is out of credit (402)"
        case .rateLimited: "the key is rate-limited (429)"
        case .upstreamFailure(let reason): reason
        case .cancelled: "abandoned before the answer was complete"
        }
    }
}
