import Foundation
import Logging
import PoolCore
import PoolStore

/// A fresh folder for one test, removed afterwards, so tests can run in parallel without sharing a database.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory
        .appendingPathComponent("poolstore-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

let testLogger: Logger = {
    var logger = Logger(label: "PoolStoreTests")
    // Keep test output readable; the store's info lines carry nothing a test checks.
    logger.logLevel = .warning
    return logger
}()

func databasePath(in folder: URL) -> String {
    folder.appendingPathComponent("pool.sqlite").path
}

func openTestStore(in folder: URL, cipher: SecretCipher? = nil) throws -> SQLiteStore {
    try SQLiteStore(path: databasePath(in: folder), cipher: cipher, logger: testLogger)
}

/// The current time cut to whole milliseconds.
///
/// The store keeps dates as REAL seconds since 1970. `Date` counts from 2001, so converting a raw `Date()` can
/// move it by one unit in the last place (well under a microsecond); instants that start from seconds since 1970,
/// like this one, come back bit for bit.
func millisecondNow() -> Date {
    Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
}

/// A fixed instant with a fractional part, so date round-trips are checked below the second.
let referenceDate = Date(timeIntervalSince1970: 1_800_000_000.123)

func makeKey(
    _ secret: String, provider: ProviderID = .ollama, health: KeyHealth = KeyHealth(), models: [String] = []
) -> KeyRecord {
    KeyRecord(provider: provider, secret: secret, createdAt: referenceDate, health: health, models: models)
}

/// The bytes of a file, or empty when it does not exist (e.g. a -wal file after a clean close).
func fileBytes(_ path: String) -> Data {
    (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
}

func fileContains(_ path: String, _ text: String) -> Bool {
    fileBytes(path).range(of: Data(text.utf8)) != nil
}
