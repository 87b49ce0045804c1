import Foundation
import Logging

/// Where the gateway keeps its data, as named by `DATABASE_URL`.
public enum StoreLocation: Equatable, Sendable {
    /// An SQLite file; a relative path resolves against the working directory.
    case sqlite(path: String)
    /// A PostgreSQL server; the URL carries the password, so it is never printed (see
    /// `PostgresConnectionSettings.description`).
    case postgres(url: String)

    /// The forms `parse(_:)` accepts, for error messages and help texts.
    public static let acceptedForms = "sqlite:PATH, sqlite://PATH, sqlite:///ABSOLUTE/PATH or postgres://…"

    /// Reads a `DATABASE_URL`.
    ///
    /// Accepts `sqlite:PATH` and `sqlite://PATH` (relative or absolute; `sqlite:///abs` means `/abs`), and
    /// `postgres://` or `postgresql://` URLs.
    /// - Throws: `StoreError` naming the accepted forms. The message shows at most the scheme of a rejected
    ///   value, since the rest may carry a password.
    public static func parse(_ databaseURL: String) throws -> StoreLocation {
        let text = databaseURL.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let colon = text.firstIndex(of: ":") else {
            throw StoreError("DATABASE_URL has no scheme; use \(acceptedForms)")
        }
        let scheme = text[..<colon].lowercased()
        let rest = String(text[text.index(after: colon)...])
        switch scheme {
        case "sqlite":
            return .sqlite(path: try sqlitePath(rest))
        case "postgres", "postgresql":
            guard rest.hasPrefix("//") else {
                throw StoreError(
                    "DATABASE_URL with scheme '\(scheme)' must look like \(scheme)://HOST/DATABASE; "
                        + "use \(acceptedForms)")
            }
            return .postgres(url: text)
        default:
            let shown = scheme.isEmpty || scheme.count > 20 ? "" : " '\(scheme)'"
            throw StoreError("DATABASE_URL scheme\(shown) is not supported; use \(acceptedForms)")
        }
    }

    private static func sqlitePath(_ rest: String) throws -> String {
        // `sqlite://PATH` keeps PATH as written: `sqlite:///abs` yields `/abs`, `sqlite://data/x` stays relative.
        let path = rest.hasPrefix("//") ? String(rest.dropFirst(2)) : rest
        guard !path.isEmpty else {
            throw StoreError("DATABASE_URL names no SQLite file; use \(acceptedForms)")
        }
        guard path != ":memory:" else {
            // WAL and a reader pool need a real file, and an in-memory store would forget every key on restart.
            throw StoreError(
                "DATABASE_URL sqlite::memory: is not supported; name a file, e.g. sqlite:./data/pool.sqlite")
        }
        return path
    }
}

/// Opens the store named by `location`.
///
/// For SQLite the parent folder is created when missing, the schema migrated and secrets reconciled with
/// `cipher` (see `SQLiteStore.init`). PostgreSQL needs a cipher (`ENCRYPTION_KEY`): there is no file beside the
/// database to keep a generated key in, and each instance must seal with the same key.
/// - Throws: `StoreError`, phrased for operators; never contains a secret or a database password.
public func openStore(_ location: StoreLocation, cipher: SecretCipher?, logger: Logger) async throws -> any PoolStore {
    switch location {
    case .sqlite(let path):
        try prepareSQLiteFiles(path: path)
        return try SQLiteStore(path: path, cipher: cipher, logger: logger)
    case .postgres(let url):
        let settings = try PostgresConnectionSettings(url: url)
        guard let cipher else {
            throw StoreError(
                "PostgreSQL (\(settings)) needs ENCRYPTION_KEY: every instance seals the stored upstream keys with "
                    + "it, and there is no file beside the database to keep a generated one in")
        }
        return try await PostgresStore(settings: settings, cipher: cipher, logger: logger)
    }
}

/// The database holds upstream keys: a folder the gateway creates is readable by its owner only (0700), and the
/// database and its WAL files are 0600 whoever created them. SQLite gives the WAL and shared-memory files the
/// database file's mode, so the file is created 0600 before SQLite first opens it.
func prepareSQLiteFiles(path: String) throws {
    let files = FileManager.default
    try prepareSQLiteFolder(for: path)
    if !files.fileExists(atPath: path) {
        guard files.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw StoreError("cannot create the SQLite database \(path)")
        }
    }
    for file in [path, path + "-wal", path + "-shm"] where files.fileExists(atPath: file) {
        try? files.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
    }
}

/// The folder of a SQLite database, created 0700 when missing (a folder that exists is the operator's).
func prepareSQLiteFolder(for path: String) throws {
    let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
    guard !FileManager.default.fileExists(atPath: folder.path) else { return }
    do {
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    } catch {
        throw StoreError(
            "cannot create the folder \(folder.path) for the SQLite database: \(error.localizedDescription)")
    }
}
