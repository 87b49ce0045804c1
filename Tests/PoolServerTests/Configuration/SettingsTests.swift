import Foundation
import Logging
import PoolCore
import PoolServer
import Testing

@Suite("Settings: declared once")
struct SettingsTests {
    @Test("the README's configuration table is the one the settings declare")
    func readmeTable() throws {
        let readme = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
            .appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = "<!-- settings:begin (ollama-pool settings --markdown) -->\n"
        let end = "<!-- settings:end -->"
        let start = try #require(text.range(of: begin))
        let stop = try #require(text.range(of: end, range: start.upperBound..<text.endIndex))
        #expect(
            String(text[start.upperBound..<stop.lowerBound]) == SettingsDocumentation.markdownTable(),
            "README.md is stale: replace its table with the output of `ollama-pool settings --markdown`"
        )
    }

    @Test("names, flags and documented defaults are unique and well formed")
    func catalogue() {
        let settings = GatewayConfiguration.settings
        #expect(Set(settings.map(\.name)).count == settings.count)
        #expect(Set(settings.map(\.flag)).count == settings.count)
        for setting in settings {
            #expect(setting.name.allSatisfy { $0.isUppercase || $0 == "_" }, "\(setting.name)")
            #expect(!setting.summary.isEmpty)
            #expect(!setting.summary.contains("|"), "a | would break the README table: \(setting.name)")
        }
    }

    @Test("every default reads back to itself through the environment and through its flag")
    func defaultsRoundTrip() throws {
        let defaults = GatewayConfiguration()
        for setting in GatewayConfiguration.settings where !setting.isSecret {
            guard let text = setting.value(in: defaults) else { continue }
            var fromEnvironment = try GatewayConfiguration.fromEnvironment([setting.name: text])
            #expect(setting.value(in: fromEnvironment) == text, "\(setting.name)")
            try SettingFlags.apply([setting.flag + "=" + text], to: &fromEnvironment)
            #expect(setting.value(in: fromEnvironment) == text, "\(setting.name)")
        }
    }

    @Test("flags win over the environment, in both spellings, and switches need no value")
    func flagsOverEnvironment() throws {
        var configuration = try GatewayConfiguration.fromEnvironment(["MAX_RETRIES": "5", "PORT": "9000"])
        try SettingFlags.apply(
            ["--max-retries", "1", "--port=9100", "--disable-openrouter", "--log-level", "debug"], to: &configuration)
        #expect(configuration.upstream.maxRetries == 1)
        #expect(configuration.port == 9100)
        #expect(!configuration.upstream.isEnabled(.openrouter))
        #expect(configuration.upstream.isEnabled(.ollama))
        #expect(configuration.logLevel == .debug)
        try SettingFlags.apply(["--disable-openrouter=false"], to: &configuration)
        #expect(configuration.upstream.isEnabled(.openrouter))
    }

    @Test(
        "bad flags name what is wrong",
        arguments: [
            (["--nope", "1"], "unknown option '--nope'"), (["--port"], "--port needs a value"),
            (["--port", "--host", "x"], "--port needs a value"), (["8080"], "unexpected argument '8080'"),
            (["--port", "70000"], "PORT must be at most 65535"), (["--disable-ollama=maybe"], "DISABLE_OLLAMA"),
            (["--health-check-interval", "0.5"], "HEALTH_CHECK_INTERVAL must be 0 (off) or at least 1 second"),
            (["--key-stats-flush-seconds", "0.5"], "KEY_STATS_FLUSH_SECONDS must be a number of seconds ≥ 1"),
            (
                ["--openrouter-referer", "https://a.example\r\nX-Injected: 1"],
                "OPENROUTER_REFERER must not contain control"
            ),
            (["--openrouter-title", "pool\n"], "OPENROUTER_TITLE must not contain control"),
        ]
    )
    func badFlags(arguments: [String], message: String) {
        var configuration = GatewayConfiguration()
        #expect {
            try SettingFlags.apply(arguments, to: &configuration)
        } throws: { error in
            (error as? ConfigurationError)?.description.contains(message) == true
        }
    }

    @Test("a weak ADMIN_TOKEN is refused at start unless ALLOW_WEAK_ADMIN_TOKEN says otherwise")
    func weakAdminToken() async throws {
        let weak = try GatewayConfiguration.fromEnvironment(["ADMIN_TOKEN": "admin123"])
        #expect {
            try weak.validate()
        } throws: { error in
            let message = (error as? ConfigurationError)?.description ?? ""
            return message.contains("at least 24") && !message.contains("admin123")
        }
        try GatewayConfiguration.fromEnvironment(["ADMIN_TOKEN": "admin123", "ALLOW_WEAK_ADMIN_TOKEN": "1"]).validate()
        try GatewayConfiguration.fromEnvironment(["ADMIN_TOKEN": String(repeating: "k", count: 24)]).validate()
        try GatewayConfiguration().validate()
        var configuration = GatewayConfiguration()
        configuration.adminToken = "short"
        configuration.persistence.databaseURL = "sqlite:/nonexistent-never-created/pool.sqlite"
        await #expect(throws: ConfigurationError.self) {
            _ = try await Gateway.open(configuration: configuration, logger: .init(label: "test"))
        }
    }

    @Test("secrets are never shown back")
    func secretsHidden() throws {
        let configuration = try GatewayConfiguration.fromEnvironment([
            "ADMIN_TOKEN": "admin-secret-value", "ENCRYPTION_KEY": "encryption-secret-value",
        ])
        let shown = SettingsDocumentation.effectiveValues(configuration)
        #expect(!shown.contains("secret-value"))
        #expect(shown.contains("ADMIN_TOKEN=set"))
        #expect(shown.contains("ENCRYPTION_KEY=set"))
    }
}
