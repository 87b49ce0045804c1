import Foundation
import Testing

/// Runs the real `ollama-pool` binary (built next to the tests) against a temporary database.
@Suite("Command line")
struct CLITests {
    struct Run {
        var status: Int32
        var output: String
        var errors: String
    }

    static var binary: URL {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0])
        var folder = testBinary.deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("ollama-pool")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        return testBinary.deletingLastPathComponent().appendingPathComponent("ollama-pool")
    }

    func run(
        _ arguments: [String], database: URL, stdin: String? = nil, environment extra: [String: String] = [:]
    ) throws -> Run {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "sqlite:" + database.path
        environment["ADMIN_TOKEN"] = "cli-admin-token-0123456789"
        environment["LOG_LEVEL"] = "error"
        environment["ENCRYPTION_KEY"] = nil
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let outData = output.fileHandleForReading.readDataToEndOfFile()
        let errData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: outData, as: UTF8.self),
            errors: String(decoding: errData, as: UTF8.self)
        )
    }

    @Test("serve raises the open file limit to the hard limit and says so")
    func raisesDescriptorLimit() throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        let hard = UInt64(limit.rlim_max)
        try #require(hard > 256)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try ServedBinary.start(folder: folder, softFileLimit: 256)
        defer { server.stop() }
        #expect(server.waitForLog("soft_before=256"))
        #expect(server.waitForLog("soft_now=\(hard)"))
    }

    @Test("keys import, keys list, tokens create, list and revoke work on the configured database")
    func commands() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = folder.appendingPathComponent("pool.sqlite")
        let keysFile = folder.appendingPathComponent("ollama.txt")
        try """
        a@b.c----pw----session----ollama-cli-key-aaaaaaaa
        ollama-cli-key-bbbbbbbb
        bad key
        """.write(to: keysFile, atomically: true, encoding: .utf8)

        let imported = try run(["keys", "import", keysFile.path, "--provider", "ollama"], database: database)
        #expect(imported.status == 0, "\(imported.errors)")
        #expect(imported.output.contains("added 2"))
        #expect(imported.output.contains("invalid 1"))

        let listed = try run(["keys", "list"], database: database)
        #expect(listed.status == 0)
        #expect(listed.output.contains("olla…aaaa"))
        #expect(!listed.output.contains("ollama-cli-key-aaaaaaaa"))
        #expect(listed.output.contains("active"))

        let created = try run(["tokens", "create", "ci-token", "--ttl", "3600"], database: database)
        #expect(created.status == 0, "\(created.errors)")
        let token = created.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(token.hasPrefix("sk-") && token.count == 51)

        let tokens = try run(["tokens", "list"], database: database)
        #expect(tokens.output.contains("ci-token"))
        #expect(!tokens.output.contains(token))
        let id =
            tokens.output.split(separator: "\n").dropFirst().first?.split(separator: "\t").first.map(String.init) ?? ""
        #expect(id.hasPrefix("tok_"))

        let revoked = try run(["tokens", "revoke", id], database: database)
        #expect(revoked.status == 0)
        let missing = try run(["tokens", "revoke", id], database: database)
        #expect(missing.status != 0)
        #expect(try run(["tokens", "list"], database: database).output.contains("ci-token") == false)
    }

    @Test("every command has help and bad arguments fail with a message")
    func help() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("pool.sqlite")
        for command in [
            ["--help"], ["serve", "--help"], ["keys", "import", "--help"], ["tokens", "create", "--help"],
        ] {
            let result = try run(command, database: database)
            #expect(result.status == 0)
            #expect(result.output.contains("USAGE"))
        }
        let bad = try run(["keys", "import", "/nonexistent/file.txt"], database: database)
        #expect(bad.status != 0)
        #expect(bad.errors.contains("cannot read"))
        let badPort = try run(["serve", "--port", "70000"], database: database)
        #expect(badPort.status != 0)
        #expect(badPort.errors.contains("PORT must be at most 65535"))
        let badTimeout = try run(["serve", "--first-byte-timeout", "-1"], database: database)
        #expect(badTimeout.status != 0)
        #expect(badTimeout.errors.contains("FIRST_BYTE_TIMEOUT"))
        let version = try run(["--version"], database: database)
        #expect(version.output.contains("0.1.0"))
    }
}

extension CLITests {
    @Test("tokens create takes policy flags, tokens update changes and clears them, list shows them")
    func tokenPolicies() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("pool.sqlite")
        let created = try run(
            [
                "tokens", "create", "team", "--rpm", "60", "--models", "qwen*,gpt-4o", "--quota-period", "day",
                "--request-quota", "500",
            ], database: database)
        #expect(created.status == 0, "\(created.errors)")
        let listed = try run(["tokens", "list"], database: database)
        #expect(listed.output.contains("rpm=60") && listed.output.contains("models=qwen*,gpt-4o"))
        #expect(listed.output.contains("requests/day=500"))
        let id = try #require(
            listed.output.split(separator: "\n").dropFirst().first?.split(separator: "\t").first.map(String.init))
        let updated = try run(["tokens", "update", id, "--tpm", "1000", "--clear", "models"], database: database)
        #expect(updated.status == 0, "\(updated.errors)")
        #expect(updated.output.contains("rpm=60 tpm=1000") && !updated.output.contains("models="))
        let bad = try run(["tokens", "update", id, "--quota-period", "week"], database: database)
        #expect(bad.status != 0 && bad.errors.contains("day, month or total"))
        let badModels = try run(["tokens", "create", "x", "--models", "a*b"], database: database)
        #expect(badModels.status != 0 && badModels.errors.contains("'*' may only end"))
        let missing = try run(["tokens", "update", "tok_missing", "--rpm", "1"], database: database)
        #expect(missing.status != 0 && missing.errors.contains("no token"))
        let defaulted = try run(["tokens", "create", "d"], database: database, environment: ["DEFAULT_TOKEN_RPM": "7"])
        #expect(defaulted.status == 0)
        #expect(try run(["tokens", "list"], database: database).output.contains("rpm=7"))
    }
}
