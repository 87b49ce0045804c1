import PoolCore

/// The keys an import request carries: a text in `content` (any format `ImportParser` reads) or an array of keys
/// or accounts. Parsed off the event loop, since a 100,000-key import takes a while.
enum ImportBody {
    /// - Parameters:
    ///   - arrays: the array fields accepted, in order of preference.
    ///   - textFirst: whether `content` wins when both a text and an array are present.
    ///   - missing: the 400 message when neither is present.
    static func parse(_ body: JSONBody, arrays: [String], textFirst: Bool, missing: String) async throws -> ImportParseResult {
        try await OffLoop.run {
            func text() throws -> ImportParseResult? {
                try body.string("content").map { ImportParser.parse(text: $0) }
            }
            func array() throws -> ImportParseResult? {
                for name in arrays {
                    if let items = try body.array(name) { return ImportParser.parse(jsonArray: items) }
                }
                return nil
            }
            if let parsed = textFirst ? try text() ?? array() : try array() ?? text() { return parsed }
            throw GatewayError.badRequest(missing)
        }
    }
}
