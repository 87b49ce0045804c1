import ArgumentParser
import Foundation
import PoolCore
import PoolServer
import PoolStore

/// `ollama-pool rotate-encryption-key`: re-encrypts every stored upstream key under a new encryption key, in one
/// transaction. Run it with the server stopped: a running server would go on sealing new keys with the old one.
struct RotateEncryptionKey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate-encryption-key",
        abstract: "Re-encrypt the stored upstream keys under a new encryption key (stop the server first).",
        discussion: """
            Without ENCRYPTION_KEY the key lives in a file beside the database (<database>.key): a new random \
            key replaces it and the old one is kept as <database>.key.previous (for backups made before). With \
            ENCRYPTION_KEY set, give the new one with --new-key (or NEW_ENCRYPTION_KEY) — or let one be \
            generated and printed — then set ENCRYPTION_KEY to it before the next start.
            """
    )

    @Option(help: "The new key (at least 32 characters); default: a random one. Also NEW_ENCRYPTION_KEY.")
    var newKey: String?
    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let configuration = try settings.configuration()
        let logger = settings.logger(configuration)
        let location = try StoreLocation.parse(configuration.persistence.databaseURL)
        let given =
            newKey ?? ProcessInfo.processInfo.environment["NEW_ENCRYPTION_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        if let given, given.count < 32 {
            throw ValidationError("the new key must be at least 32 characters (for example `openssl rand -hex 32`)")
        }
        let passphrase = given ?? RandomText.hex(count: 64)
        if passphrase == configuration.persistence.encryptionKey {
            throw ValidationError("the new key is the current ENCRYPTION_KEY")
        }
        let keyFile = configuration.persistence.encryptionKey == nil ? EncryptionKeyFile.path(for: location) : nil
        // The new key is on disk before the database moves to it, so that no moment leaves the keys unreadable.
        if let keyFile { try EncryptionKeyFile.write(passphrase, to: EncryptionKeyFile.pendingPath(for: keyFile)) }

        let store = try await Gateway.openConfiguredStore(configuration, logger: logger)
        let rewritten: Int
        do {
            rewritten = try await store.rotateSecrets(to: SecretCipher(passphrase: passphrase))
            try await store.close()
        } catch {
            try? await store.close()
            if let keyFile { try? FileManager.default.removeItem(atPath: EncryptionKeyFile.pendingPath(for: keyFile)) }
            throw error
        }
        if let keyFile {
            try EncryptionKeyFile.promotePending(keyFile: keyFile)
            FileHandle.standardError.write(
                Data(
                    ("re-encrypted \(rewritten) keys; the new key is in \(keyFile), the old one in "
                        + "\(EncryptionKeyFile.previousPath(for: keyFile))\n").utf8))
        } else {
            if given == nil { print(passphrase) }
            FileHandle.standardError.write(
                Data(
                    ("re-encrypted \(rewritten) keys; set ENCRYPTION_KEY to the new key"
                        + (given == nil ? " printed above (shown only this once)" : "") + " before the next start\n")
                        .utf8))
        }
    }
}
