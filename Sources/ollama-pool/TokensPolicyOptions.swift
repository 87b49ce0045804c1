import ArgumentParser
import Foundation
import PoolCore

/// The policy flags of `tokens create` and `tokens update`, the same fields as the admin API: limits (`--rpm 60`),
/// quotas and their period, the model list (`--models 'qwen*,gpt-4o'`), the cache scope and TTL, a note. On
/// `update`, `--clear FIELD` (repeatable) makes a field unlimited again.
struct TokensPolicyOptions: ParsableArguments {
    @Option(help: "Requests per minute.") var rpm: Int?
    @Option(help: "Tokens (prompt + completion) per minute.") var tpm: Int?
    @Option(help: "Requests per quota period.") var requestQuota: Int?
    @Option(help: "Tokens per quota period.") var tokenQuota: Int?
    @Option(help: "Quota period: day, month or total (UTC).") var quotaPeriod: String?
    @Option(help: "Allowed models, comma-separated; `prefix*` patterns allowed (quote them).") var models: String?
    @Option(help: "Response cache scope: token or shared.") var cacheScope: String?
    @Option(help: "Seconds this token's answers stay cached (overrides RESPONSE_CACHE_TTL).") var cacheTtl: Double?
    @Option(help: "A note for the operator.") var note: String?

    /// The policy fields `--clear` names.
    static let clearable = [
        "rpm", "tpm", "request_quota", "token_quota", "quota_period", "models", "cache_scope", "cache_ttl", "note",
    ]

    /// `policy` with the flags given applied, then the `clear` fields emptied.
    func applied(to policy: TokenPolicy, clearing clear: [String] = []) throws -> TokenPolicy {
        var policy = policy
        for (value, name) in [(rpm, "rpm"), (tpm, "tpm"), (requestQuota, "request-quota"), (tokenQuota, "token-quota")]
        {
            if let value, value < 0 { throw ValidationError("--\(name) must be a whole number ≥ 0") }
        }
        if let rpm { policy.rpm = rpm }
        if let tpm { policy.tpm = tpm }
        if let requestQuota { policy.requestQuota = requestQuota }
        if let tokenQuota { policy.tokenQuota = tokenQuota }
        if let quotaPeriod {
            guard let period = QuotaPeriod(rawValue: quotaPeriod) else {
                throw ValidationError("--quota-period must be day, month or total")
            }
            policy.quotaPeriod = period
        }
        if let models {
            let patterns = models.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for pattern in patterns {
                if let problem = ModelAllowList.problem(with: pattern) { throw ValidationError("--models: \(problem)") }
            }
            policy.models = patterns
        }
        if let cacheScope {
            guard let scope = TokenPolicy.CacheScope(rawValue: cacheScope) else {
                throw ValidationError("--cache-scope must be token or shared")
            }
            policy.cacheScope = scope
        }
        if let cacheTtl {
            guard cacheTtl >= 0, cacheTtl.isFinite else { throw ValidationError("--cache-ttl must be ≥ 0") }
            policy.cacheTTL = cacheTtl
        }
        if let note { policy.note = note.isEmpty ? nil : note }
        for field in clear {
            switch field.replacingOccurrences(of: "-", with: "_") {
            case "rpm": policy.rpm = nil
            case "tpm": policy.tpm = nil
            case "request_quota": policy.requestQuota = nil
            case "token_quota": policy.tokenQuota = nil
            case "quota_period": policy.quotaPeriod = nil
            case "models": policy.models = nil
            case "cache_scope": policy.cacheScope = nil
            case "cache_ttl": policy.cacheTTL = nil
            case "note": policy.note = nil
            default:
                throw ValidationError("--clear takes one of \(Self.clearable.joined(separator: ", ")); got \(field)")
            }
        }
        return policy
    }

    /// The policy in one line for `tokens list` (`-` when unlimited).
    static func summary(_ policy: TokenPolicy) -> String {
        var parts: [String] = []
        if let rpm = policy.rpm { parts.append("rpm=\(rpm)") }
        if let tpm = policy.tpm { parts.append("tpm=\(tpm)") }
        if let quota = policy.requestQuota { parts.append("requests/\(policy.effectivePeriod.rawValue)=\(quota)") }
        if let quota = policy.tokenQuota { parts.append("tokens/\(policy.effectivePeriod.rawValue)=\(quota)") }
        if let models = policy.models { parts.append("models=\(models.joined(separator: ","))") }
        if let scope = policy.cacheScope { parts.append("cache=\(scope.rawValue)") }
        return parts.isEmpty ? "-" : parts.joined(separator: " ")
    }
}
