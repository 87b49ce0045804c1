import Foundation
import PoolCore
import PoolStore
import Synchronization

// TEMPORARY (issue #17): stand-ins for the pool, store and proxy branches' API, so the admin branch compiles
// before they land. The lead deletes this file when merging; nothing else refers to it by name.

extension Gateway {
    /// Stand-in for the proxy branch's `gateway.providers`: one registry per gateway, from the presets and the
    /// loaded snapshot's stored definitions.
    var providers: ProviderRegistry {
        Temporary17Registries.shared.withLock { registries in
            let id = ObjectIdentifier(self)
            if let registry = registries[id] { return registry }
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
            registries[id] = registry
            return registry
        }
    }
}

enum Temporary17Registries {
    static let shared = Mutex<[ObjectIdentifier: ProviderRegistry]>([:])
}

extension KeyPool {
    /// Stand-in for the pool branch's placement change: true when the key exists (nothing moves yet).
    func setPlacement(keyID: String, _ placement: KeyPlacement) -> Bool {
        key(id: keyID) != nil
    }
}

extension KeyView {
    /// Stand-in for the pool branch's stored field.
    public var baseURL: String? { nil }
    /// Stand-in for the pool branch's stored field.
    public var placement: KeyPlacement { KeyPlacement() }
}

extension ImportEntry {
    /// Stand-in for the pool branch's stored field.
    public var baseURL: String? {
        get { nil }
        set {}
    }
    /// Stand-in for the pool branch's stored field.
    public var placement: KeyPlacement {
        get { KeyPlacement() }
        set {}
    }
}

extension KeyProber {
    /// Stand-in for the proxy branch's probe of a key at its own base URL (ignores `baseURL` until it lands).
    func inspect(secret: String, provider: ProviderID, baseURL: String?) async throws -> ProbeReport {
        try await inspect(secret: secret, provider: provider)
    }
}
