import Foundation
import PoolCore

/// What an import request says for all of its keys: the server they are for (`base_url`) and their placement
/// (`weight`, `tier`). An entry's own values (a URL line, a JSON object's `base_url`, `weight`, `tier` other than
/// the default 1) win.
public struct ImportDefaults: Sendable, Equatable {
    /// Normalized (no trailing slash); nil keeps the entries' own.
    public var baseURL: String?
    /// Nil keeps the entries' own.
    public var placement: KeyPlacement?

    public init(baseURL: String? = nil, placement: KeyPlacement? = nil) {
        self.baseURL = baseURL.map(ProviderRules.normalizedBaseURL)
        self.placement = placement
    }

    /// Checks client input: an http(s) URL, weight 1…100, tier 1…9.
    /// - Throws: `ImportDefaultsError` naming the field; never echoes anything but the field's name.
    public static func checked(baseURL: String?, weight: Int?, tier: Int?) throws(ImportDefaultsError) -> ImportDefaults
    {
        if let baseURL {
            do {
                try ProviderRules.validateBaseURL(baseURL, field: "base_url")
            } catch {
                throw ImportDefaultsError(error.message)
            }
        }
        var placement: KeyPlacement?
        if weight != nil || tier != nil {
            switch KeyPlacement.checked(weight: weight, tier: tier) {
            case .success(let checked): placement = checked
            case .failure(let error): throw ImportDefaultsError(error.message)
            }
        }
        return ImportDefaults(baseURL: baseURL, placement: placement)
    }

    /// True when the defaults change nothing.
    public var isEmpty: Bool { baseURL == nil && placement == nil }

    /// The one key an add names, with these defaults: a secret (read like an import line, so `username----key`
    /// works too), a server (`base_url`) without a secret, or both.
    /// - Throws: `GatewayError` 400 when there is neither, or the secret is not a key.
    public func singleKey(secret: String?, username: String?) throws -> ImportParseResult {
        let secret = secret?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let username = username.flatMap { $0.isEmpty ? nil : $0 }
        guard !secret.isEmpty else {
            guard baseURL != nil else { throw GatewayError.badRequest("field 'apiKey' is required") }
            // A self-hosted server without a secret: the key is its URL.
            return apply(to: ImportParseResult(entries: [ImportEntry(secret: "", username: username, line: 1)]))
        }
        var line = secret
        if let username, !line.contains("----") { line = username + "----" + line }
        let parsed = ImportParser.parse(text: line)
        if let problem = parsed.invalid.first { throw GatewayError.badRequest("invalid key: \(problem.reason)") }
        guard parsed.entries.count == 1 else { throw GatewayError.badRequest("invalid key: expected exactly one key") }
        return apply(to: parsed)
    }

    /// `parsed` with these defaults filled into every entry that does not say otherwise: a base URL where the
    /// entry has none, the weight and the tier where the entry kept the default (1).
    public func apply(to parsed: ImportParseResult) -> ImportParseResult {
        guard !isEmpty else { return parsed }
        var parsed = parsed
        for index in parsed.entries.indices {
            if let baseURL, parsed.entries[index].baseURL == nil { parsed.entries[index].baseURL = baseURL }
            if let placement {
                // An entry's weight or tier of 1 is the parser's default: the request's value fills it.
                let own = parsed.entries[index].placement
                parsed.entries[index].placement = KeyPlacement(
                    weight: own.weight == 1 ? placement.weight : own.weight,
                    tier: own.tier == 1 ? placement.tier : own.tier)
            }
        }
        return parsed
    }
}

/// A bad `base_url`, `weight` or `tier` on an import or a new key; the message names the field.
public struct ImportDefaultsError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
