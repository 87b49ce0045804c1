import Foundation
import PoolCore

/// How a ``RequestRecord`` lies in the SQL stores' `request_log` table: one column per field the queries filter or
/// sort on, the attempts as JSON text, and two columns derived once at append time — `key_ids` (every attempt's
/// key between bars, for the `key` filter) and `answer_key_id` (the usage summary's key) — plus `failed`.
enum RequestLogColumns {
    /// The columns a record is read back from, in `Row`'s order.
    static let read = """
        id, started_at, token_id, token_name, provider, route, model, stream, status, seconds, first_byte_seconds,
        upstream_seconds, attempts, prompt_tokens, completion_tokens, cached, error, body
        """

    /// The columns an append writes: ``read``'s and the derived ones.
    static let written = read + ", key_ids, answer_key_id, failed"

    /// A record's row as the stores read it back.
    typealias Row = (
        String, Double, String?, String?, String, String, String?, Bool, Int64, Double, Double?, Double, String,
        Int64?, Int64?, Bool, String?, String?
    )

    /// The bar-delimited key list of `record`, e.g. `|k_1|k_2|`.
    static func keyIDs(_ record: RequestRecord) -> String {
        "|" + record.attempts.map(\.keyID).joined(separator: "|") + "|"
    }

    /// What a `key` filter looks for in `key_ids`.
    static func keyNeedle(_ keyID: String) -> String { "|" + keyID + "|" }

    static func attemptsJSON(_ record: RequestRecord) -> String {
        let data = (try? JSONEncoder().encode(record.attempts)) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// A stored row as a record (attempts that no longer decode are left out rather than failing the query).
    static func record(_ row: Row) -> RequestRecord {
        let attempts = (try? JSONDecoder().decode([RequestRecord.Attempt].self, from: Data(row.12.utf8))) ?? []
        return RequestRecord(
            id: row.0, startedAt: Date(timeIntervalSince1970: row.1), tokenID: row.2, tokenName: row.3,
            provider: ProviderID(rawValue: row.4), route: row.5, model: row.6, stream: row.7, status: Int(row.8),
            seconds: row.9, firstByteSeconds: row.10, upstreamSeconds: row.11, attempts: attempts,
            promptTokens: row.13.map(Int.init), completionTokens: row.14.map(Int.init), cached: row.15, error: row.16,
            body: row.17)
    }
}
