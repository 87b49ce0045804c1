/// A typed admin request body. It is read through `BodyFields`, so every body shares the same rules for aliases,
/// `null`, unknown fields and type errors; `AdminBody.decode` takes only these.
protocol AdminRequestBody: Decodable, Sendable {
    /// Reads the body's fields; semantic checks (required fields, ranges) are left to the route.
    init(_ fields: BodyFields) throws
}

extension AdminRequestBody {
    init(from decoder: any Decoder) throws {
        try self.init(BodyFields(decoder))
    }
}
