import PoolCore

/// `POST /admin/verify-key`: `{valid, outcome, status}`. `valid` is null when the upstream could not judge the
/// key, `status` is the upstream's HTTP status (null without an answer).
struct VerifyKeyPayload: Encodable {
    var valid: Bool?
    var outcome: String
    var status: Int?
    var reason: String
    var inPool: Bool
    var key: KeyPayload?
    var models: [String]?
    var category: String?
    var credit: KeyCredit?

    init(report: ProbeReport, key: KeyPayload?) {
        switch report.outcome {
        case .upstreamError, .inconclusive: valid = nil
        default: valid = report.outcome.keyIsGenuine
        }
        outcome = report.outcome.name
        status = report.httpStatus
        reason = report.outcome.reason
        inPool = key != nil
        self.key = key
        models = report.models
        category = report.models.map { ModelCategory.classify(models: $0) }
        credit = report.credit
    }

    private enum CodingKeys: String, CodingKey {
        case valid, outcome, status, reason, inPool, key, models, category, credit
    }

    /// `valid` and `status` are always present, as null when unknown; the rest only when known.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(valid, forKey: .valid)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(status, forKey: .status)
        try container.encode(reason, forKey: .reason)
        try container.encode(inPool, forKey: .inPool)
        try container.encodeIfPresent(key, forKey: .key)
        try container.encodeIfPresent(models, forKey: .models)
        try container.encodeIfPresent(category, forKey: .category)
        try container.encodeIfPresent(credit, forKey: .credit)
    }
}
