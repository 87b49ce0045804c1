import Foundation
import PoolCore
import PoolStore
import Testing

@Suite("Encryption at rest")
struct EncryptionAtRestTests {
    let secret = "sk-ollama-VERY-SECRET-0123456789abcdef"

    @Test("with a cipher the secret never reaches the database file or its WAL, and the same passphrase reads it back")
    func secretIsNotStoredInClear() async throws {
        try await withTemporaryDirectory { folder in
            let path = databasePath(in: folder)
            let store = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1"))
            _ = try await store.insertKeys([makeKey(secret)])
            // Read while open, so the WAL still holds the fresh pages.
            #expect(!fileContains(path, secret))
            #expect(!fileContains(path + "-wal", secret))
            #expect(fileContains(path, "enc:v1:") || fileContains(path + "-wal", "enc:v1:"))
            try await store.close()
            #expect(!fileContains(path, secret))
            #expect(!fileContains(path + "-wal", secret))

            let reopened = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1"))
            #expect(try await reopened.loadSnapshot().keys.map(\.secret) == [secret])
            try await reopened.close()
        }
    }

    @Test("reopening with another passphrase fails with a clear error")
    func anotherPassphraseFails() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1"))
            _ = try await store.insertKeys([makeKey(secret)])
            try await store.close()

            let error = #expect(throws: StoreError.self) {
                try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-2"))
            }
            #expect(error?.description == "ENCRYPTION_KEY does not match the one the database was written with")
        }
    }

    @Test("rotating re-seals every secret under the new passphrase: it reads them back, the old one no longer opens")
    func rotationMovesEverySecret() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1"))
            let secrets = (0..<2_500).map { "sk-rotate-\($0)-0123456789abcdef" }
            _ = try await store.insertKeys(secrets.map { makeKey($0) })
            #expect(try await store.rotateSecrets(to: SecretCipher(passphrase: "pass-2")) == secrets.count)
            try await store.close()

            #expect(throws: StoreError.self) { try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1")) }
            let reopened = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-2"))
            #expect(Set(try await reopened.loadSnapshot().keys.map(\.secret)) == Set(secrets))
            // Duplicate detection follows the new key's hashes.
            #expect(try await reopened.insertKeys([makeKey(secrets[7])]).isEmpty)
            try await reopened.close()
            #expect(!fileContains(databasePath(in: folder), secrets[0]))
        }
    }

    @Test("reopening an encrypted database without a cipher fails and asks for ENCRYPTION_KEY")
    func missingCipherFails() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder, cipher: SecretCipher(passphrase: "pass-1"))
            _ = try await store.insertKeys([makeKey(secret)])
            try await store.close()

            let error = #expect(throws: StoreError.self) { try openTestStore(in: folder) }
            #expect(error?.description.contains("set ENCRYPTION_KEY") == true)
        }
    }

    @Test("a plain database reopened with a cipher gets its secrets sealed and keeps spotting duplicates")
    func plainDatabaseGetsSealed() async throws {
        try await withTemporaryDirectory { folder in
            let path = databasePath(in: folder)
            let plain = try openTestStore(in: folder)
            let secrets = (0..<50).map { "\(secret)-\($0)" }
            _ = try await plain.insertKeys(secrets.map { makeKey($0) })
            try await plain.close()
            // Proves the check below can see a clear secret when there is one.
            #expect(fileContains(path, secrets[0]))

            let cipher = SecretCipher(passphrase: "pass-1")
            let sealed = try openTestStore(in: folder, cipher: cipher)
            #expect(try await sealed.loadSnapshot().keys.map(\.secret) == secrets)
            // The hashes were recomputed under the cipher's key, so the same secret is still a duplicate.
            #expect(try await sealed.insertKeys([makeKey(secrets[7])]).isEmpty)
            try await sealed.close()
            for candidate in secrets {
                #expect(!fileContains(path, candidate))
                #expect(!fileContains(path + "-wal", candidate))
            }

            #expect(throws: StoreError.self) { try openTestStore(in: folder) }
            let again = try openTestStore(in: folder, cipher: cipher)
            #expect(try await again.loadSnapshot().keys.count == secrets.count)
            try await again.close()
        }
    }
}
