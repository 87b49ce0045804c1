import Foundation

/// The metrics the gateway exports, as issue #16's split fixes them (names, kinds, labels), and a check of a
/// PromQL expression against them: metric names, histogram suffixes, and the labels selectors and `by (…)` use.
enum ExportedMetrics {
    enum Kind { case counter, gauge, histogram }

    struct Family {
        let name: String
        let kind: Kind
        let labels: Set<String>
    }

    static let families: [Family] = [
        Family(name: "pool_requests_total", kind: .counter, labels: ["provider", "route", "status_class", "model"]),
        Family(name: "pool_upstream_attempts_total", kind: .counter, labels: ["provider", "outcome"]),
        Family(name: "pool_request_retries", kind: .histogram, labels: ["provider"]),
        Family(name: "pool_request_duration_seconds", kind: .histogram, labels: ["provider", "route"]),
        Family(name: "pool_upstream_ttfb_seconds", kind: .histogram, labels: ["provider"]),
        Family(name: "pool_overhead_seconds", kind: .histogram, labels: ["provider"]),
        Family(name: "pool_stream_duration_seconds", kind: .histogram, labels: ["provider"]),
        Family(name: "pool_streams_in_flight", kind: .gauge, labels: ["provider"]),
        Family(name: "pool_tokens_total", kind: .counter, labels: ["provider", "model", "kind"]),
        Family(name: "pool_keys", kind: .gauge, labels: ["provider", "status"]),
        Family(name: "pool_cache_requests_total", kind: .counter, labels: ["cache", "result"]),
        Family(name: "pool_refusals_total", kind: .counter, labels: ["provider", "reason"]),
        Family(name: "pool_store_flush_seconds", kind: .histogram, labels: []),
        Family(name: "pool_store_flush_failures_total", kind: .counter, labels: []),
        Family(name: "pool_change_feed_behind_revisions", kind: .gauge, labels: []),
        Family(name: "pool_change_feed_seconds_since_catch_up", kind: .gauge, labels: []),
        Family(name: "pool_build_info", kind: .gauge, labels: ["version"]),
        Family(name: "pool_uptime_seconds", kind: .gauge, labels: []),
    ]

    /// Labels Prometheus adds to every series it scrapes.
    static let targetLabels: Set<String> = ["instance", "job"]

    /// The family a series name belongs to: the name itself, or a histogram's `_bucket`, `_sum`, `_count`.
    static func family(of series: String) -> Family? {
        if let exact = families.first(where: { $0.name == series }) { return exact }
        for suffix in ["_bucket", "_sum", "_count"] where series.hasSuffix(suffix) {
            let base = String(series.dropLast(suffix.count))
            if let family = families.first(where: { $0.name == base && $0.kind == .histogram }) { return family }
        }
        return nil
    }

    /// The gateway's series names in an expression (everything starting `pool_`).
    static func metricNames(in expression: String) -> [String] {
        matches(of: #"\bpool_[a-z0-9_]+"#, in: expression)
    }

    /// What is wrong with an expression; empty when nothing is.
    static func problems(in expression: String) -> [String] {
        var problems: [String] = []
        var labels = targetLabels
        let names = metricNames(in: expression)
        if names.isEmpty && !expression.hasPrefix("up") { problems.append("no pool_ metric") }
        for name in names {
            guard let family = family(of: name) else {
                problems.append("unknown metric \(name)")
                continue
            }
            var allowed = family.labels.union(targetLabels)
            if name.hasSuffix("_bucket") { allowed.insert("le") }
            labels.formUnion(allowed)
            // The labels its own selector matches on: `name{a="…",b=~"…"}`.
            for selector in matches(of: "\\b\(name)\\{[^}]*\\}", in: expression) {
                for label in matches(of: #"[a-z_]+(?=\s*(=|!=|=~|!~)\s*")"#, in: selector)
                where !allowed.contains(label) {
                    problems.append("\(name) has no label \(label)")
                }
            }
        }
        // `by (…)` / `without (…)` may use any label of the expression's metrics.
        for clause in matches(of: #"\b(by|without)\s*\([^)]*\)"#, in: expression) {
            let inside = clause.drop { $0 != "(" }.dropFirst().dropLast()
            for label in inside.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
            where !label.isEmpty && !labels.contains(label) {
                problems.append("no metric of the expression has label \(label)")
            }
        }
        return problems
    }

    private static func matches(of pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { Range($0.range, in: text).map { String(text[$0]) } }
    }
}
