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
        text(capacity: 48 * record.attempts.count + 1) { appendKeyIDs(record, to: &$0) }
    }

    /// Appends ``keyIDs(_:)`` as UTF-8 bytes (the SQLite flush binds them from one reused buffer).
    static func appendKeyIDs(_ record: RequestRecord, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "|"))
        for attempt in record.attempts {
            appendUTF8(attempt.keyID, to: &bytes)
            bytes.append(UInt8(ascii: "|"))
        }
    }

    /// What a `key` filter looks for in `key_ids`.
    static func keyNeedle(_ keyID: String) -> String { "|" + keyID + "|" }

    /// The attempts as JSON that `JSONDecoder` reads back into `[RequestRecord.Attempt]`.
    static func attemptsJSON(_ record: RequestRecord) -> String {
        // Room for an attempt without an error and with a 40-byte key id, so the buffer is made once.
        text(capacity: 160 * record.attempts.count + 2) { appendAttemptsJSON(record, to: &$0) }
    }

    /// The UTF-8 text `write` appends to a buffer with room for `capacity` bytes.
    private static func text(capacity: Int, _ write: (inout [UInt8]) -> Void) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        write(&bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends ``attemptsJSON(_:)`` as UTF-8 bytes, written by hand: through `JSONEncoder` it was a third of a
    /// record's store write (~33 k instructions a record under callgrind), through `String` appends and
    /// interpolation still ~10 k, and through `Array.append(contentsOf:)` of `String` views into a fresh array a
    /// record 3.3 k. Texts are copied from their contiguous UTF-8 now, a status is written digit by digit, and the
    /// SQLite flush reuses one buffer for every record.
    static func appendAttemptsJSON(_ record: RequestRecord, to json: inout [UInt8]) {
        json.append(UInt8(ascii: "["))
        for (index, attempt) in record.attempts.enumerated() {
            if index > 0 { json.append(UInt8(ascii: ",")) }
            append(#"{"keyID":"#, to: &json)
            JSONString.appendQuoted(attempt.keyID, to: &json)
            append(#","result":""#, to: &json)
            appendUTF8(attempt.result.rawValue, to: &json)
            append(#"","status":"#, to: &json)
            if let status = attempt.status {
                appendDecimal(status, to: &json)
            } else {
                append("null", to: &json)
            }
            append(#","seconds":"#, to: &json)
            if attempt.seconds.isFinite {
                // The shortest text that reads back as the same Double (exact round trips, tests compare records).
                appendUTF8(attempt.seconds.description, to: &json)
            } else {
                json.append(UInt8(ascii: "0"))
            }
            append(#","error":"#, to: &json)
            if let error = attempt.error {
                JSONString.appendQuoted(error, to: &json)
            } else {
                append("null", to: &json)
            }
            json.append(UInt8(ascii: "}"))
        }
        json.append(UInt8(ascii: "]"))
    }

    private static func append(_ literal: StaticString, to json: inout [UInt8]) {
        json.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private static func appendUTF8(_ text: String, to json: inout [UInt8]) {
        var text = text
        text.withUTF8 { json.append(contentsOf: $0) }
    }

    /// `value` in decimal, without going through `String`: highest digit first, so nothing is reversed after.
    private static func appendDecimal(_ value: Int, to json: inout [UInt8]) {
        if value < 0 { json.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var divisor: UInt = 1
        // At most 10^19, which a UInt holds: the loop stops before a tenfold that would not fit.
        while magnitude / divisor >= 10 { divisor *= 10 }
        repeat {
            json.append(UInt8(ascii: "0") + UInt8(magnitude / divisor))
            magnitude %= divisor
            divisor /= 10
        } while divisor > 0
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
