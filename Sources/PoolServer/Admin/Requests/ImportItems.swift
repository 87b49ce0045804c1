/// An import's `keys` or `accounts` array: strings (read like text lines) or `{api_key, username}` objects,
/// kept as decoded until `ImportBody` hands them to `ImportParser`.
struct ImportItems: BodyValue {
    var items: [JSONValue]

    init(from decoder: any Decoder) throws {
        items = try decoder.singleValueContainer().decode([JSONValue].self)
    }

    /// Any element is acceptable here (the parser judges each), so only a non-array is a 400.
    static func expectation(_ error: DecodingError) -> String { "an array" }

    /// The items as `JSONSerialization` would have produced them.
    var foundationArray: [Any] { items.map(\.foundationValue) }
}
