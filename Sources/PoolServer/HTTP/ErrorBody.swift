/// What an error says, in the shape of each dialect's clients: the body of an error answer and the payload of a
/// stream's error event.
enum ErrorBody {
    /// `{"error":{"message","type","param","code"}}`; `param` and `code` are written as null when absent, as
    /// OpenAI does.
    struct OpenAI: Encodable {
        struct Detail: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)
                try container.encode(code, forKey: .code)
            }

            private enum CodingKeys: String, CodingKey { case message, type, param, code }
        }

        var error: Detail
    }

    /// `{"type":"error","error":{"type","message"}}`.
    struct Anthropic: Encodable {
        struct Detail: Encodable {
            var type: String
            var message: String
        }

        var type = "error"
        var error: Detail
    }

    /// `{"error":"message"}`: Ollama's native API and the gateway's own routes.
    struct Plain: Encodable {
        var error: String
    }

    /// The body for `message` in `dialect`'s shape.
    static func json(
        _ dialect: ErrorDialect, message: String, type: String, anthropicType: String, code: String?
    ) -> String {
        switch dialect {
        case .openAI:
            return JSONWriter.text(OpenAI(error: .init(message: message, type: type, code: code)))
        case .anthropic:
            return JSONWriter.text(Anthropic(error: .init(type: anthropicType, message: message)))
        case .ollama, .admin:
            return JSONWriter.text(Plain(error: message))
        }
    }
}
