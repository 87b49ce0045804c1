/// The built-in providers as definitions: they behave exactly as the hard-coded providers did.
public enum ProviderPresets {
    /// Ollama cloud (or any Ollama server at `baseURL`): all three dialects; a chat probe by default.
    public static func ollama(baseURL: String, probe: ProviderProbe) -> ProviderDefinition {
        ProviderDefinition(
            name: .ollama, baseURL: ProviderRules.normalizedBaseURL(baseURL), dialects: [.openai, .ollama, .anthropic],
            probe: probe)
    }

    /// OpenRouter: the OpenAI dialect; keys are checked on `/v1/key`, which also reports their credit.
    public static func openRouter(baseURL: String, referer: String?, title: String?) -> ProviderDefinition {
        var headers: [String: String] = [:]
        if let referer { headers["HTTP-Referer"] = referer }
        if let title { headers["X-Title"] = title }
        return ProviderDefinition(
            name: .openrouter, baseURL: ProviderRules.normalizedBaseURL(baseURL), dialects: [.openai],
            probe: .keyInfo(path: "/v1/key"), headers: headers)
    }

    /// A built-in's name, base URL and dialects come from the gateway's settings; an operator's definition of the
    /// same name changes the rest (probe, headers added to the preset's, timeouts, aliases, enabled).
    public static func applyOverride(
        _ override: ProviderDefinition, to preset: ProviderDefinition
    )
        -> ProviderDefinition
    {
        var merged = preset
        merged.probe = override.probe
        merged.headers.merge(override.headers) { _, new in new }
        merged.timeouts = override.timeouts
        merged.aliases = override.aliases
        merged.enabled = override.enabled && preset.enabled
        return merged
    }
}
