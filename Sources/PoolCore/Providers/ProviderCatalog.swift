/// Every provider the gateway knows at one moment: the built-in presets first, then the operator's, by name.
/// Immutable; a change makes a new catalog (the server swaps it atomically, so a request sees one whole catalog).
public struct ProviderCatalog: Sendable, Equatable {
    /// In display order: built-ins, then the others by name.
    public let definitions: [ProviderDefinition]
    private let byName: [ProviderID: Int]
    private let builtInNames: Set<ProviderID>

    /// `builtIn` are the presets as configured (see `ProviderPresets`); `defined` are the operator's (file and
    /// store). A defined provider named like a built-in replaces the preset's editable fields only (see
    /// `ProviderPresets.applyOverride`); duplicates among `defined` keep the last.
    public init(builtIn: [ProviderDefinition], defined: [ProviderDefinition] = []) {
        var list = builtIn
        var others: [ProviderID: ProviderDefinition] = [:]
        for definition in defined {
            if let index = list.firstIndex(where: { $0.name == definition.name }) {
                list[index] = ProviderPresets.applyOverride(definition, to: builtIn[index])
            } else {
                others[definition.name] = definition
            }
        }
        list += others.values.sorted { $0.name.rawValue < $1.name.rawValue }
        definitions = list
        byName = Dictionary(uniqueKeysWithValues: list.enumerated().map { ($1.name, $0) })
        builtInNames = Set(builtIn.map(\.name))
    }

    public subscript(name: ProviderID) -> ProviderDefinition? { byName[name].map { definitions[$0] } }

    public var names: [ProviderID] { definitions.map(\.name) }

    public func isBuiltIn(_ name: ProviderID) -> Bool { builtInNames.contains(name) }

    /// The provider with this name (case-insensitive), enabled or not, or nil.
    public func named(_ name: String) -> ProviderID? {
        let id = ProviderID(rawValue: name.lowercased())
        return byName[id] == nil ? nil : id
    }

    /// The provider with this name, or an error whose message lists the known ones.
    public func parse(_ name: String) throws(UnknownProvider) -> ProviderID {
        guard let provider = named(name) else { throw UnknownProvider(name: name, known: names) }
        return provider
    }
}
