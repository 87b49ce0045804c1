import Foundation
import PoolCore

/// How a ``RequestRecord`` lies in the SQL stores' `request_log` table: one column per field the queries filter or
/// sort on, the attempts as JSON text, and two columns derived once at append time — `key_ids` (every attempt's
/// key between bars, for the `key` filter) and `answer_key_id` (the usage summary's key) — plus `failed`.
enum RequestLogColumns {
    /// The columns a record is read back from, in `Row`'s order.
    static let read = """
        id, started_us, token_id, token_name, provider, route, model, stream, status, seconds, first_byte_seconds,
        upstream_seconds, attempts, prompt_tokens, completion_tokens, cached, error, body
        """

    /// The columns an append writes: ``read``'s and the derived ones.
    static let written = read + ", key_ids, answer_key_id, failed"

    /// A record's row as the stores read it back.
    typealias Row = (
        String, Int64, String?, String?, String, String, String?, Bool, Int64, Double, Double?, Double, String,
        Int64?, Int64?, Bool, String?, String?
    )

    /// The bar-delimited key list of `record`, e.g. `|k_1|k_2|`.
    static func keyIDs(_ record: RequestRecord) -> String {
        "|" + record.attempts.map(\.keyID).joined(separator: "|") + "|"
    }

    /// What a `key` filter looks for in `key_ids`.
    static func keyNeedle(_ keyID: String) -> String { "|" + keyID + "|" }

    /// The attempts as JSON that `JSONDecoder` reads back into `[RequestRecord.Attempt]`, written by hand: with
    /// `JSONEncoder` it was a third of a record's store write (~33 k instructions a record under callgrind).
    static func attemptsJSON(_ record: RequestRecord) -> String {
        var json = "["
        json.reserveCapacity(96 * record.attempts.count + 2)
        for (index, attempt) in record.attempts.enumerated() {
            if index > 0 { json += "," }
            json += #"{"keyID":"#
            JSONString.appendQuoted(attempt.keyID, to: &json)
            json += #","result":""# + attempt.result.rawValue + #"","status":"#
            json += attempt.status.map(String.init) ?? "null"
            json += #","seconds":"# + (attempt.seconds.isFinite ? "\(attempt.seconds)" : "0") + #","error":"#
            if let error = attempt.error { JSONString.appendQuoted(error, to: &json) } else { json += "null" }
            json += "}"
        }
        return json + "]"
    }

    /// A stored row as a record (attempts that no longer decode are left out rather than failing the query).
    static func record(_ row: Row) -> RequestRecord {
        let attempts = (try? JSONDecoder().decode([RequestRecord.Attempt].self, from: Data(row.12.utf8))) ?? []
        return RequestRecord(
            id: row.0, startedAt: RequestTime.date(micros: row.1), tokenID: row.2, tokenName: row.3,
            provider: ProviderID(rawValue: row.4), route: row.5, model: row.6, stream: row.7, status: Int(row.8),
            seconds: row.9, firstByteSeconds: row.10, upstreamSeconds: row.11, attempts: attempts,
            promptTokens: row.13.map(Int.init), completionTokens: row.14.map(Int.init), cached: row.15, error: row.16,
            body: row.17)
    }
}
