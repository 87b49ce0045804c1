import PoolCore
import Synchronization

/// The live provider catalog: the built-in presets as the settings configure them, the definitions of
/// `PROVIDERS_FILE`, and those the admin API stored. A change builds a new `ProviderCatalog` and swaps it whole,
/// so a request always sees one consistent catalog; reading it is one short lock. With each catalog it keeps the
/// proxied routes made from it (`ProxyRoutes.table`), which the proxy front matches every request head against.
final class ProviderRegistry: Sendable {
    /// Where a provider's definition comes from; it decides what the admin API may change.
    enum Source: String, Sendable {
        /// A built-in preset: name, base URL and dialects are settings; the rest may be overridden in the store.
        case builtIn = "built_in"
        /// `PROVIDERS_FILE`: the file is authoritative, the admin API may not change it.
        case file
        /// Created through the admin API, kept in the store.
        case store
    }

    private struct State {
        var stored: [ProviderID: ProviderDefinition]
        var catalog: ProviderCatalog
        /// The proxied routes of `catalog` (`ProxyRoutes.table`), made once per change.
        var routes: [String: ProxyRoute]
        /// Each provider of `catalog` as requests and probes use it.
        var upstreams: [ProviderID: ProviderUpstream]

        init(stored: [ProviderID: ProviderDefinition], catalog: ProviderCatalog) {
            self.stored = stored
            self.catalog = catalog
            routes = ProxyRoutes.table(for: catalog)
            upstreams = Dictionary(
                catalog.definitions.map { ($0.name, ProviderUpstream($0)) }, uniquingKeysWith: { _, last in last })
        }
    }

    let builtIn: [ProviderDefinition]
    let fromFile: [ProviderDefinition]
    private let state: Mutex<State>

    init(builtIn: [ProviderDefinition], fromFile: [ProviderDefinition] = [], stored: [ProviderDefinition] = []) {
        self.builtIn = builtIn
        self.fromFile = fromFile
        let storedByName = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { _, last in last })
        state = Mutex(
            State(
                stored: storedByName,
                catalog: Self.catalog(builtIn: builtIn, fromFile: fromFile, stored: storedByName)))
    }

    /// The catalog now.
    var catalog: ProviderCatalog { state.withLock { $0.catalog } }

    /// The proxied routes now: one short lock, read on every request's head.
    var routes: [String: ProxyRoute] { state.withLock { $0.routes } }

    /// A provider's definition as requests and probes use it, or nil for an unknown provider.
    func upstream(for name: ProviderID) -> ProviderUpstream? { state.withLock { $0.upstreams[name] } }

    /// Where `name`'s definition comes from, or nil for an unknown provider.
    func source(of name: ProviderID) -> Source? {
        // The file first: it may override a built-in, and then it is the file the admin API may not change.
        if fromFile.contains(where: { $0.name == name }) { return .file }
        if builtIn.contains(where: { $0.name == name }) { return .builtIn }
        return state.withLock { $0.stored[name] == nil ? nil : .store }
    }

    /// Applies a definition stored here or by another instance (created, replaced, or a built-in's override).
    func applyStored(_ definition: ProviderDefinition) {
        state.withLock { state in
            state.stored[definition.name] = definition
            state = State(
                stored: state.stored, catalog: Self.catalog(builtIn: builtIn, fromFile: fromFile, stored: state.stored))
        }
    }

    /// Forgets a stored definition (a built-in returns to its preset; a file's stays as the file says).
    func removeStored(_ name: ProviderID) {
        state.withLock { state in
            guard state.stored.removeValue(forKey: name) != nil else { return }
            state = State(
                stored: state.stored, catalog: Self.catalog(builtIn: builtIn, fromFile: fromFile, stored: state.stored))
        }
    }

    /// The file's definitions win over stored ones of the same name: the file is the operator's source of truth.
    private static func catalog(
        builtIn: [ProviderDefinition], fromFile: [ProviderDefinition], stored: [ProviderID: ProviderDefinition]
    ) -> ProviderCatalog {
        let fileNames = Set(fromFile.map(\.name))
        let storedList = stored.values.filter { !fileNames.contains($0.name) }.sorted {
            $0.name.rawValue < $1.name.rawValue
        }
        return ProviderCatalog(builtIn: builtIn, defined: storedList + fromFile)
    }
}
