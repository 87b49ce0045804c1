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

    /// Where `rotate-encryption-key` puts the new key before the database moves to it, and where the old key
    /// goes after: a rotation cut short leaves both keys on disk, never neither.
    public static func pendingPath(for keyFile: String) -> String { keyFile + ".next" }
    public static func previousPath(for keyFile: String) -> String { keyFile + ".previous" }

    /// Writes `passphrase` to `path`, readable by the owner only, replacing nothing (the caller renames).
    public static func write(_ passphrase: String, to path: String) throws {
        let files = FileManager.default
        try? files.removeItem(atPath: path)
        guard
            files.createFile(
                atPath: path, contents: Data((passphrase + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw StoreError("cannot write the encryption key file \(path)")
        }
    }

    /// Makes the pending key (written by ``write(_:to:)`` to ``pendingPath(for:)``) the key file; the old one is
    /// kept as ``previousPath(for:)`` for backups made before the rotation.
    public static func promotePending(keyFile: String) throws {
        let files = FileManager.default
        let previous = previousPath(for: keyFile)
        do {
            try? files.removeItem(atPath: previous)
            if files.fileExists(atPath: keyFile) { try files.moveItem(atPath: keyFile, toPath: previous) }
            try files.moveItem(atPath: pendingPath(for: keyFile), toPath: keyFile)
        } catch {
            throw StoreError(
                "the database now uses the key in \(pendingPath(for: keyFile)); move it to \(keyFile) by hand")
        }
    }
}
