import Foundation
import PoolCore
import PoolStore
import Synchronization

// TEMPORARY (issue #17): stand-ins for the proxy branch's API (`gateway.providers`, probes at a key's own base
// URL), so the admin branch compiles before it lands. The lead deletes this file when merging; nothing else
// refers to it by name.

extension Gateway {
    /// Stand-in for the proxy branch's `gateway.providers`: one registry per gateway, from the presets only
    /// (the proxy's also holds `PROVIDERS_FILE` and the store's definitions).
    var providers: ProviderRegistry {
        Temporary17Registries.shared.withLock { registries in
            let id = ObjectIdentifier(self)
            // An identifier can come back for a later gateway at the same address: only this one's registry counts.
            if let entry = registries[id], entry.gateway === self { return entry.registry }
            let upstream = configuration.upstream
            var ollama = ProviderPresets.ollama(
                baseURL: upstream.ollamaURL,
                probe: configuration.keyChecks.ollamaProbe == .models
                    ? .models : .chat(model: configuration.keyChecks.ollamaProbeModel))
            ollama.enabled = upstream.isEnabled(.ollama)
            var openRouter = ProviderPresets.openRouter(
                baseURL: upstream.openRouterURL, referer: upstream.openRouterReferer, title: upstream.openRouterTitle)
            openRouter.enabled = upstream.isEnabled(.openrouter)
            let registry = ProviderRegistry(builtIn: [ollama, openRouter])
            registries[id] = Temporary17Registries.Entry(gateway: self, registry: registry)
            return registry
        }
    }
}

enum Temporary17Registries {
    struct Entry: @unchecked Sendable {
        weak var gateway: Gateway?
        let registry: ProviderRegistry
    }

    static let shared = Mutex<[ObjectIdentifier: Entry]>([:])
}

extension KeyProber {
    /// Stand-in for the proxy branch's probe of a key at its own base URL (ignores `baseURL` until it lands).
    func inspect(secret: String, provider: ProviderID, baseURL: String?) async throws -> ProbeReport {
        try await inspect(secret: secret, provider: provider)
    }
}
