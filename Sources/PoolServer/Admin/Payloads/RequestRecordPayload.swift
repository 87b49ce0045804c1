import Foundation
import PoolCore

/// One request record as `GET /admin/requests` lists it: times in milliseconds, the start in ISO 8601 UTC with
/// milliseconds, absent values as null, `body` only when the record has one (`LOG_BODIES=1`).
struct RequestRecordPayload: Encodable {
    let record: RequestRecord

    /// One attempt: its key id, result, the upstream's status, time and error.
    struct AttemptPayload: Encodable {
        let attempt: RequestRecord.Attempt

        enum CodingKeys: String, CodingKey {
            case keyID = "key_id"
            case result, status
            case durationMS = "duration_ms"
            case error
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(attempt.keyID, forKey: .keyID)
            try container.encode(attempt.result.rawValue, forKey: .result)
            try container.encode(attempt.status, forKey: .status)
            try container.encode(RequestRecordPayload.milliseconds(attempt.seconds), forKey: .durationMS)
            try container.encode(attempt.error, forKey: .error)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id
        case startedAt = "started_at"
        case tokenID = "token_id"
        case tokenName = "token_name"
        case provider, route, model, stream, status
        case durationMS = "duration_ms"
        case ttfbMS = "ttfb_ms"
        case upstreamMS = "upstream_ms"
        case attempts
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case cached, error, body
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(record.id, forKey: .id)
        try container.encode(RequestTime.format(record.startedAt), forKey: .startedAt)
        // Optionals encoded, not "if present": an absent value is a JSON null, as the API promises.
        try container.encode(record.tokenID, forKey: .tokenID)
        try container.encode(record.tokenName, forKey: .tokenName)
        try container.encode(record.provider.rawValue, forKey: .provider)
        try container.encode(record.route, forKey: .route)
        try container.encode(record.model, forKey: .model)
        try container.encode(record.stream, forKey: .stream)
        try container.encode(record.status, forKey: .status)
        try container.encode(Self.milliseconds(record.seconds), forKey: .durationMS)
        try container.encode(record.firstByteSeconds.map(Self.milliseconds), forKey: .ttfbMS)
        try container.encode(Self.milliseconds(record.upstreamSeconds), forKey: .upstreamMS)
        try container.encode(record.attempts.map(AttemptPayload.init), forKey: .attempts)
        try container.encode(record.promptTokens, forKey: .promptTokens)
        try container.encode(record.completionTokens, forKey: .completionTokens)
        try container.encode(record.cached, forKey: .cached)
        try container.encode(record.error, forKey: .error)
        try container.encodeIfPresent(record.body, forKey: .body)
    }

    /// Seconds as milliseconds to the microsecond.
    static func milliseconds(_ seconds: Double) -> Double {
        (seconds * 1_000_000).rounded() / 1000
    }
}
