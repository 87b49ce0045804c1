import PoolCore

// The types of a provider body's fields (`ProviderFields`), with the words a 400 uses when a field has another.

extension Bool: BodyValue {
    static func expectation(_ error: DecodingError) -> String { "true or false" }
}

extension Dictionary: BodyValue where Key == String, Value == String {
    static func expectation(_ error: DecodingError) -> String { "an object of strings" }
}

extension ProviderProbe: BodyValue {
    /// The probe's own decoding names a bad `kind`; any other mistake is a shape error.
    static func expectation(_ error: DecodingError) -> String {
        if case .dataCorrupted(let context) = error, !context.debugDescription.isEmpty,
            context.debugDescription.hasPrefix("unknown probe kind")
        {
            return
                "{\"kind\": \"chat\", \"model\": …}, {\"kind\": \"models\"} or {\"kind\": \"key_info\", \"path\": …} ("
                + context.debugDescription + ")"
        }
        return "{\"kind\": \"chat\", \"model\": …}, {\"kind\": \"models\"} or {\"kind\": \"key_info\", \"path\": …}"
    }
}

extension ProviderTimeouts: BodyValue {
    static func expectation(_ error: DecodingError) -> String {
        "an object of seconds: {\"connect\", \"first_byte\", \"idle\"}"
    }
}

extension ProviderDialect: BodyValue {
    static func expectation(_ error: DecodingError) -> String { "one of openai, ollama, anthropic" }
}

/// `dialects`: an array of dialect names.
struct DialectList: BodyValue {
    var dialects: [ProviderDialect]

    init(from decoder: any Decoder) throws {
        dialects = try decoder.singleValueContainer().decode([ProviderDialect].self)
    }

    static func expectation(_ error: DecodingError) -> String {
        "an array of dialects (openai, ollama, anthropic)"
    }
}
