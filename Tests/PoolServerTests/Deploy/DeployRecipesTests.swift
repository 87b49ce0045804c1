import Foundation
import Testing

/// The recipes in `deploy/`, checked as far as this machine can without Docker: the dashboard and the alert rules
/// use only metrics the gateway exports (issue #16's list) with labels those metrics have; the Dockerfile builds
/// the way the README's production build does and runs as it should; the systemd unit verifies.
@Suite("Deployment recipes")
struct DeployRecipesTests {
    static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy")

    static func text(_ name: String) throws -> String {
        try String(contentsOf: deploy.appendingPathComponent(name), encoding: .utf8)
    }

    /// Every query expression in the Grafana dashboard.
    static func dashboardExpressions() throws -> [String] {
        let data = try Data(contentsOf: deploy.appendingPathComponent("grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        return panels.flatMap { panel in
            ((panel["targets"] as? [[String: Any]]) ?? []).compactMap { $0["expr"] as? String }
        }
    }

    /// Every `expr:` in the Prometheus rules (a `|` block's indented lines joined).
    static func ruleExpressions() throws -> [String] {
        var expressions: [String] = []
        var block: [String]?
        var blockIndent = 0
        for line in try text("prometheus-rules.yml").split(separator: "\n", omittingEmptySubsequences: false) {
            let indent = line.prefix { $0 == " " }.count
            if var lines = block {
                if indent > blockIndent, !line.trimmingCharacters(in: .whitespaces).isEmpty {
                    lines.append(line.trimmingCharacters(in: .whitespaces))
                    block = lines
                    continue
                }
                expressions.append(lines.joined(separator: " "))
                block = nil
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("expr:") else { continue }
            let value = trimmed.dropFirst("expr:".count).trimmingCharacters(in: .whitespaces)
            if value == "|" {
                block = []
                blockIndent = indent
            } else {
                expressions.append(value)
            }
        }
        if let lines = block { expressions.append(lines.joined(separator: " ")) }
        return expressions
    }

    @Test("the dashboard and the alert rules name only exported metrics, with labels those metrics have")
    func metricNames() throws {
        let dashboard = try Self.dashboardExpressions()
        let rules = try Self.ruleExpressions()
        #expect(dashboard.count >= 20)
        #expect(rules.count >= 6)
        var used = Set<String>()
        for expression in dashboard + rules {
            let problems = ExportedMetrics.problems(in: expression)
            #expect(problems.isEmpty, "\(problems) in \(expression)")
            used.formUnion(
                ExportedMetrics.metricNames(in: expression).map { ExportedMetrics.family(of: $0)?.name ?? $0 })
        }
        // The dashboard covers what issue #16 asks of it.
        for needed in [
            "pool_requests_total", "pool_request_duration_seconds", "pool_overhead_seconds",
            "pool_upstream_attempts_total", "pool_keys", "pool_tokens_total", "pool_streams_in_flight",
            "pool_cache_requests_total",
        ] {
            #expect(used.contains(needed), "\(needed) is not on the dashboard")
        }
    }

    @Test("the checker itself refuses unknown names, wrong suffixes and labels a metric does not have")
    func checkerRefuses() {
        #expect(!ExportedMetrics.problems(in: "rate(pool_request_total[5m])").isEmpty)
        #expect(!ExportedMetrics.problems(in: "rate(pool_keys_bucket[5m])").isEmpty)
        #expect(!ExportedMetrics.problems(in: #"sum(rate(pool_cache_requests_total{provider="x"}[5m]))"#).isEmpty)
        #expect(!ExportedMetrics.problems(in: "sum by (key) (rate(pool_requests_total[5m]))").isEmpty)
        #expect(
            ExportedMetrics.problems(
                in: "histogram_quantile(0.9, sum by (le, provider) (rate(pool_overhead_seconds_bucket[5m])))"
            ).isEmpty)
    }

    @Test("the Dockerfile: two stages, the README's release build, a non-root user, /data, a liveness check")
    func dockerfile() throws {
        let lines = try Self.text("Dockerfile").dockerInstructions()
        let froms = lines.filter { $0.hasPrefix("FROM ") }
        #expect(froms.count == 2)
        #expect(froms.first?.hasSuffix(" AS build") == true)
        #expect(froms.first?.contains("swift:") == true)
        let build = try #require(lines.first { $0.hasPrefix("RUN swift build") })
        for flag in ["-c release", "-Xswiftc -enforce-exclusivity=unchecked", "--product ollama-pool"] {
            #expect(build.contains(flag), "the build lacks \(flag)")
        }
        #expect(lines.contains { $0.hasPrefix("COPY --from=build") })
        let user = try #require(lines.last { $0.hasPrefix("USER ") })
        #expect(!user.contains("root") && user != "USER 0")
        let health = try #require(lines.first { $0.hasPrefix("HEALTHCHECK ") })
        #expect(health.contains("/health/live"))
        #expect(lines.contains(#"VOLUME ["/data"]"#))
        #expect(lines.contains { $0.hasPrefix("ENV ") && $0.contains("DATABASE_URL=sqlite:/data/") })
        #expect(lines.contains { $0.hasPrefix("ENTRYPOINT ") && $0.contains("ollama-pool") })
        // Every instruction is one Docker knows.
        let known: Set<String> = [
            "FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR",
            "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL",
        ]
        for line in lines {
            let instruction = String(line.prefix { $0 != " " })
            #expect(known.contains(instruction), "unknown instruction \(instruction)")
        }
    }

    @Test(
        "systemd-analyze verifies the unit (run with the built binary) and rates its exposure OK",
        .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"))
    )
    func systemdUnit() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let unit = try Self.text("ollama-pool.service")
            .replacingOccurrences(of: "/usr/local/bin/ollama-pool", with: CLITests.binary.path)
        #expect(unit.contains("ExecStart=\(CLITests.binary.path) serve"))
        let file = folder.appendingPathComponent("ollama-pool.service")
        try unit.write(to: file, atomically: true, encoding: .utf8)
        let verify = try Self.run("/usr/bin/systemd-analyze", ["verify", file.path])
        #expect(verify.status == 0 && verify.output.isEmpty, "\(verify.output)")
        let security = try Self.run("/usr/bin/systemd-analyze", ["security", "--offline=yes", file.path])
        let level = security.output.range(
            of: #"(?<=Overall exposure level for ollama-pool.service: )[0-9.]+"#,
            options: .regularExpression
        ).flatMap { Double(security.output[$0]) }
        let exposure = try #require(level, "\(security.output.suffix(300))")
        #expect(exposure < 2.5, "exposure \(exposure): a hardening option went missing")
        for option in [
            "DynamicUser=yes", "StateDirectory=ollama-pool", "ProtectSystem=strict", "NoNewPrivileges=yes",
            "PrivateTmp=yes", "ProtectHome=yes", "EnvironmentFile=-/etc/ollama-pool/env", "LimitNOFILE=",
        ] {
            #expect(unit.contains(option), "\(option)")
        }
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

extension String {
    /// The Dockerfile's instructions, one a line: comments dropped, `\` continuations joined, spaces squeezed.
    fileprivate func dockerInstructions() -> [String] {
        var instructions: [String] = []
        var current = ""
        for raw in split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            let squeezed = current.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            if !squeezed.isEmpty { instructions.append(squeezed) }
            current = ""
        }
        return instructions
    }
}
