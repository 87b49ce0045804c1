import PoolCore

extension GatewayConfiguration {
    /// The built-in providers as the settings configure them: `ollama` from `OLLAMA_UPSTREAM_URL` and
    /// `OLLAMA_PROBE`/`OLLAMA_PROBE_MODEL`, `openrouter` from `OPENROUTER_UPSTREAM_URL` with
    /// `OPENROUTER_REFERER`/`OPENROUTER_TITLE` as its headers; `DISABLE_*` turns one off.
    public var builtInProviders: [ProviderDefinition] {
        let probe: ProviderProbe =
            keyChecks.ollamaProbe == .models ? .models : .chat(model: keyChecks.ollamaProbeModel)
        var ollama = ProviderPresets.ollama(baseURL: upstream.ollamaURL, probe: probe)
        ollama.enabled = upstream.isEnabled(.ollama)
        var openRouter = ProviderPresets.openRouter(
            baseURL: upstream.openRouterURL, referer: upstream.openRouterReferer, title: upstream.openRouterTitle)
        openRouter.enabled = upstream.isEnabled(.openrouter)
        return [ollama, openRouter]
    }
}
