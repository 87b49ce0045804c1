import Foundation
import Logging
import PoolCore

/// Upstream keys are encrypted at rest even when no `ENCRYPTION_KEY` is set: the first start generates a random
/// key into a file beside the SQLite database (`<database>.key`, mode 0600) and every later start reads it. An
/// `ENCRYPTION_KEY` that is set always wins. Back the file up with the database: without it the stored keys
/// cannot be read.
public enum EncryptionKeyFile {
    /// The key file for a store location; nil where the store keeps no files of its own.
    public static func path(for location: StoreLocation) -> String? {
        switch location {
        case .sqlite(let path): return path + ".key"
        case .postgres: return nil
        }
    }

    /// The passphrase in the key file of `location`, made on first use.
    /// - Throws: `StoreError` when the file cannot be read or written (never with the key in the message).
    public static func passphrase(for location: StoreLocation, logger: Logger) throws -> String? {
        guard let path = path(for: location) else { return nil }
        try prepareSQLiteFolder(for: path)
        let files = FileManager.default
        if files.fileExists(atPath: path) {
            guard let data = files.contents(atPath: path),
                let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
                text.count >= 32
            else {
                throw StoreError("the encryption key file \(path) is unreadable or too short; restore it from a backup")
            }
            try? files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            return text
        }
        let key = RandomText.hex(count: 64)
        guard files.createFile(atPath: path, contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw StoreError("cannot write the encryption key file \(path)")
        }
        logger.notice(
            "generated an encryption key for the stored upstream keys; back it up with the database",
            metadata: ["path": "\(path)"]
        )
        return key
    }
}
