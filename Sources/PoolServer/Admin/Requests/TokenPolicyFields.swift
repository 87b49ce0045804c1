import Foundation
import PoolCore

/// The policy fields of the token bodies (`POST /admin/tokens`, `PATCH /admin/tokens/{id}`): `rpm`, `tpm`,
/// `request_quota`, `token_quota`, `quota_period`, `models`, `cache_scope`, `cache_ttl`, `note`. Absent leaves a
/// field as it is (on create: the `DEFAULT_TOKEN_*` default); `null` clears it (unlimited).
struct TokenPolicyFields: Sendable {
    var rpm: FieldChange<Double>
    var tpm: FieldChange<Double>
    var requestQuota: FieldChange<Double>
    var tokenQuota: FieldChange<Double>
    var quotaPeriod: FieldChange<String>
    var models: FieldChange<[String]>
    var cacheScope: FieldChange<String>
    var cacheTTL: FieldChange<Double>
    var note: FieldChange<String>

    init(_ fields: BodyFields) throws {
        rpm = try fields.change("rpm")
        tpm = try fields.change("tpm")
        requestQuota = try fields.change(.requestQuota)
        tokenQuota = try fields.change(.tokenQuota)
        quotaPeriod = try fields.change(.quotaPeriod)
        models = try fields.change("models")
        cacheScope = try fields.change(.cacheScope)
        cacheTTL = try fields.change(.cacheTTL)
        note = try fields.change("note")
    }

    /// Largest limit accepted: far beyond any real use, and safe in every counter.
    static let largestLimit = 1_000_000_000_000.0

    /// `policy` with these changes, checked.
    /// - Throws: `GatewayError` 400 naming the field.
    func applied(to policy: TokenPolicy) throws -> TokenPolicy {
        var policy = policy
        try apply(rpm, "rpm", to: &policy.rpm)
        try apply(tpm, "tpm", to: &policy.tpm)
        try apply(requestQuota, "request_quota", to: &policy.requestQuota)
        try apply(tokenQuota, "token_quota", to: &policy.tokenQuota)
        switch quotaPeriod {
        case .absent: break
        case .cleared: policy.quotaPeriod = nil
        case .set(let text):
            guard let period = QuotaPeriod(rawValue: text) else {
                throw GatewayError.badRequest("field 'quota_period' must be day, month or total")
            }
            policy.quotaPeriod = period
        }
        switch models {
        case .absent: break
        case .cleared: policy.models = nil
        case .set(let patterns):
            guard patterns.count <= 1000 else {
                throw GatewayError.badRequest("field 'models' has more than 1000 entries")
            }
            for pattern in patterns {
                if let problem = ModelAllowList.problem(with: pattern) {
                    throw GatewayError.badRequest("field 'models': \(problem)")
                }
            }
            policy.models = patterns
        }
        switch cacheScope {
        case .absent: break
        case .cleared: policy.cacheScope = nil
        case .set(let text):
            guard let scope = TokenPolicy.CacheScope(rawValue: text) else {
                throw GatewayError.badRequest("field 'cache_scope' must be token or shared")
            }
            policy.cacheScope = scope
        }
        switch cacheTTL {
        case .absent: break
        case .cleared: policy.cacheTTL = nil
        case .set(let seconds): policy.cacheTTL = try AdminRequest.span(seconds, field: "cache_ttl")
        }
        switch note {
        case .absent: break
        case .cleared: policy.note = nil
        case .set(let text):
            guard text.count <= 1000 else {
                throw GatewayError.badRequest("field 'note' must be at most 1000 characters")
            }
            policy.note = text.isEmpty ? nil : text
        }
        return policy
    }

    private func apply(_ change: FieldChange<Double>, _ name: String, to field: inout Int?) throws {
        switch change {
        case .absent: break
        case .cleared: field = nil
        case .set(let number):
            guard number.isFinite, number >= 0, number.rounded() == number, number <= Self.largestLimit else {
                throw GatewayError.badRequest("field '\(name)' must be a whole number ≥ 0 (or null for unlimited)")
            }
            field = Int(number)
        }
    }
}
