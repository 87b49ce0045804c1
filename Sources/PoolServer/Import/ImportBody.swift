import PoolCore

/// The keys an import request carries: a text in `content` (any format `ImportParser` reads) or an array of keys
/// or accounts. Parsed off the event loop, since a 100,000-key import takes a while.
enum ImportBody {
    /// - Parameters:
    ///   - preferring: the array field read first when both `keys` and `accounts` are present.
    ///   - textFirst: whether `content` wins when both a text and an array are present.
    ///   - missing: the 400 message when neither is present.
    static func parse(
        _ body: ImportKeysRequest, preferring field: ImportKeysRequest.ArrayField, textFirst: Bool, missing: String
    ) async throws -> ImportParseResult {
        try await OffLoop.run {
            let items = body.items(preferring: field)
            if let content = body.content, textFirst || items == nil { return ImportParser.parse(text: content) }
            if let items { return ImportParser.parse(jsonArray: items.foundationArray) }
            throw GatewayError.badRequest(missing)
        }
    }
}
