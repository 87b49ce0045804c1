import Foundation
import Testing

/// `ollama-pool rotate-encryption-key` on the real binary, with the generated key file and with `ENCRYPTION_KEY`.
@Suite("Rotating the encryption key")
struct RotateEncryptionKeyTests {
    let cli = CLITests()

    func importTwoKeys(_ database: URL, environment: [String: String] = [:]) throws {
        let file = database.deletingLastPathComponent().appendingPathComponent("keys.txt")
        try "ollama-rotate-key-aaaaaaaa\nollama-rotate-key-bbbbbbbb\n".write(
            to: file, atomically: true, encoding: .utf8)
        let imported = try cli.run(["keys", "import", file.path], database: database, environment: environment)
        #expect(imported.status == 0, "\(imported.errors)")
    }

    @Test("with the generated key file: a new key file, the old one kept as .previous, the keys still readable")
    func keyFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("pool.sqlite")
        try importTwoKeys(database)
        let keyFile = database.path + ".key"
        let before = try String(contentsOfFile: keyFile, encoding: .utf8)

        let rotated = try cli.run(["rotate-encryption-key"], database: database)
        #expect(rotated.status == 0, "\(rotated.errors)")
        #expect(rotated.errors.contains("re-encrypted 2 keys"))
        #expect(rotated.output.isEmpty, "a key kept in the key file is never printed")
        let after = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(after != before)
        #expect(try String(contentsOfFile: keyFile + ".previous", encoding: .utf8) == before)
        #expect(!FileManager.default.fileExists(atPath: keyFile + ".next"))
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let listed = try cli.run(["keys", "list"], database: database)
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(listed.output.contains("olla…aaaa") && listed.output.contains("olla…bbbb"))
        let oldKey = before.trimmingCharacters(in: .whitespacesAndNewlines)
        let withOld = try cli.run(["keys", "list"], database: database, environment: ["ENCRYPTION_KEY": oldKey])
        #expect(withOld.status != 0)
        #expect(withOld.errors.contains("ENCRYPTION_KEY does not match"))
    }

    @Test("with ENCRYPTION_KEY: the database moves to --new-key, which the next start must be given")
    func environmentKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-rotate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let database = folder.appendingPathComponent("pool.sqlite")
        let old = ["ENCRYPTION_KEY": "old-encryption-key-0123456789abcdef-0123"]
        let new = "new-encryption-key-0123456789abcdef-4567"
        try importTwoKeys(database, environment: old)

        let short = try cli.run(["rotate-encryption-key", "--new-key", "short"], database: database, environment: old)
        #expect(short.status != 0)
        #expect(short.errors.contains("at least 32 characters"))

        let rotated = try cli.run(["rotate-encryption-key", "--new-key", new], database: database, environment: old)
        #expect(rotated.status == 0, "\(rotated.errors)")
        #expect(!rotated.output.contains(new) && !rotated.errors.contains(new))
        #expect(try cli.run(["keys", "list"], database: database, environment: old).status != 0)
        let listed = try cli.run(["keys", "list"], database: database, environment: ["ENCRYPTION_KEY": new])
        #expect(listed.status == 0, "\(listed.errors)")
        #expect(listed.output.contains("olla…aaaa"))
        #expect(!FileManager.default.fileExists(atPath: database.path + ".key"))

        // Without --new-key a random key is made and printed once.
        let generated = try cli.run(["rotate-encryption-key"], database: database, environment: ["ENCRYPTION_KEY": new])
        #expect(generated.status == 0, "\(generated.errors)")
        let printed = generated.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(printed.count == 64)
        #expect(
            try cli.run(["keys", "list"], database: database, environment: ["ENCRYPTION_KEY": printed]).status == 0)
    }
}
