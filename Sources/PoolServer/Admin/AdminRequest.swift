import Foundation
import Hummingbird
import PoolCore

/// Parameters every admin route reads the same way.
enum AdminRequest {
    /// `?provider=` or `body.provider`, default `ollama`; a name not in `catalog` (the live one; nil: the
    /// built-ins) is a 400 listing the known ones.
    static func provider(
        query request: Request, body: (any ProviderNaming)?, catalog: ProviderCatalog? = nil
    ) throws -> ProviderID {
        try providerIfGiven(query: request, body: body, catalog: catalog) ?? .ollama
    }

    static func providerIfGiven(
        query request: Request, body: (any ProviderNaming)?, catalog: ProviderCatalog? = nil
    ) throws -> ProviderID? {
        guard let raw = request.uri.queryParameters.get("provider") ?? body?.provider else { return nil }
        return try parseProvider(raw, catalog: catalog)
    }

    static func parseProvider(_ raw: String, catalog: ProviderCatalog? = nil) throws -> ProviderID {
        do {
            if let catalog { return try catalog.parse(raw) }
            return try ProviderID.parse(raw)
        } catch {
            throw GatewayError.badRequest(error.description)
        }
    }

    static func integer(_ raw: String?, name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let raw, !raw.isEmpty else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw GatewayError.badRequest(
                "'\(name)' must be a whole number from \(range.lowerBound) to \(range.upperBound == Int.max ? "any" : String(range.upperBound))"
            )
        }
        return value
    }

    /// `value` when it holds more than whitespace; otherwise a 400 `field '<name>' is required`.
    static func required(_ value: String?, _ name: String) throws -> String {
        guard let value, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw GatewayError.badRequest("field '\(name)' is required")
        }
        return value
    }

    /// The longest span an admin may give (a `duration` or `ttl`): a hundred years. Longer ones are refused
    /// rather than turned into dates that later arithmetic (seconds left, as whole numbers) cannot hold.
    static let longestSpan: TimeInterval = 100 * 365.25 * 86_400

    /// A span in seconds from a body field, checked: finite, 0 … ``longestSpan``.
    static func span(_ seconds: Double, field: String) throws -> TimeInterval {
        guard seconds.isFinite, seconds >= 0, seconds <= longestSpan else {
            throw GatewayError.badRequest(
                "field '\(field)' must be between 0 and \(Int(longestSpan)) seconds (a hundred years)")
        }
        return seconds
    }

    /// A disable's `duration` in seconds; 0 or absent disables until enabled.
    static func disableDuration(_ seconds: Double?) throws -> TimeInterval? {
        let seconds = try span(seconds ?? 0, field: "duration")
        return seconds == 0 ? nil : seconds
    }
}
