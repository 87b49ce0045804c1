import PoolCore

/// `POST /admin/providers` and `PATCH /admin/providers/{name}`: a provider definition's fields, by their
/// snake_case names (`name`, `base_url`, `openai_path`, `dialects`, `probe`, `headers`, `timeouts`, `aliases`,
/// `enabled`). Every field is optional here; the route says which it needs. `null` is the same as absent.
struct ProviderFields: AdminRequestBody {
    var name: String?
    var baseURL: String?
    var openAIPath: String?
    var dialects: DialectList?
    var probe: ProviderProbe?
    var headers: [String: String]?
    var timeouts: ProviderTimeouts?
    var aliases: [String: String]?
    var enabled: Bool?

    init(_ fields: BodyFields) throws {
        name = try fields.value("name")
        baseURL = try fields.value(.baseURL)
        openAIPath = try fields.value(FieldName("openai_path", "openaiPath"))
        dialects = try fields.value("dialects")
        probe = try fields.value("probe")
        headers = try fields.value("headers")
        timeouts = try fields.value("timeouts")
        aliases = try fields.value("aliases")
        enabled = try fields.value("enabled")
    }

    /// Fields only an operator's own provider has; a built-in's come from the gateway's settings.
    var namesFixedForBuiltIns: [String] {
        [
            name.map { _ in "name" }, baseURL.map { _ in "base_url" }, openAIPath.map { _ in "openai_path" },
            dialects.map { _ in "dialects" },
        ].compactMap { $0 }
    }

    /// A new definition from these fields (`name` and `base_url` required, the rest defaulted), checked.
    /// - Throws: `GatewayError` 400 naming the field.
    func newDefinition() throws -> ProviderDefinition {
        let name = try AdminRequest.required(name, "name").lowercased()
        let baseURL = try AdminRequest.required(baseURL, "base_url")
        var definition = ProviderDefinition(
            name: ProviderID(rawValue: name), baseURL: ProviderRules.normalizedBaseURL(baseURL))
        applyChanges(to: &definition)
        try Self.check(definition)
        return definition
    }

    /// `definition` with every field given here replaced (`name` excepted), checked.
    /// - Throws: `GatewayError` 400 naming the field.
    func changed(_ definition: ProviderDefinition) throws -> ProviderDefinition {
        var definition = definition
        if let baseURL { definition.baseURL = ProviderRules.normalizedBaseURL(baseURL) }
        applyChanges(to: &definition)
        try Self.check(definition)
        return definition
    }

    private func applyChanges(to definition: inout ProviderDefinition) {
        if let openAIPath { definition.openAIPath = openAIPath }
        if let dialects { definition.dialects = dialects.dialects }
        if let probe { definition.probe = probe }
        if let headers { definition.headers = headers }
        if let timeouts { definition.timeouts = timeouts }
        if let aliases { definition.aliases = aliases }
        if let enabled { definition.enabled = enabled }
    }

    /// `ProviderRules.validate`, its message as a 400.
    static func check(_ definition: ProviderDefinition) throws {
        do {
            try ProviderRules.validate(definition)
        } catch {
            throw GatewayError.badRequest(error.message)
        }
    }
}
