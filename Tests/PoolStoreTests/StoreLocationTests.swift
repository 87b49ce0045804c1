import Foundation
import Logging
import PoolStore
import Testing

@Suite("Store location")
struct StoreLocationTests {
    @Test(
        "accepted DATABASE_URL forms parse to their location",
        arguments: [
            ("sqlite:./data/pool.sqlite", StoreLocation.sqlite(path: "./data/pool.sqlite")),
            ("sqlite:/var/lib/pool/pool.sqlite", .sqlite(path: "/var/lib/pool/pool.sqlite")),
            ("sqlite:pool.sqlite", .sqlite(path: "pool.sqlite")),
            ("sqlite://data/pool.sqlite", .sqlite(path: "data/pool.sqlite")),
            ("sqlite://./data/pool.sqlite", .sqlite(path: "./data/pool.sqlite")),
            ("sqlite:///var/lib/pool/pool.sqlite", .sqlite(path: "/var/lib/pool/pool.sqlite")),
            ("  SQLite:pool.sqlite\n", .sqlite(path: "pool.sqlite")),
            ("postgres://pool:hunter2@db:5432/pool", .postgres(url: "postgres://pool:hunter2@db:5432/pool")),
            ("postgresql://db/pool", .postgres(url: "postgresql://db/pool")),
        ])
    func acceptedFormsParse(_ input: String, _ expected: StoreLocation) throws {
        #expect(try StoreLocation.parse(input) == expected)
    }

    @Test(
        "other DATABASE_URL values are rejected with the accepted forms and without echoing a password",
        arguments: [
            "", "pool.sqlite", "sqlite:", "sqlite://", "sqlite::memory:", "postgres:pool",
            "mysql://root:hunter2@db/pool", "http://user:hunter2@example.com/x",
        ])
    func otherValuesAreRejected(_ input: String) {
        let error = #expect(throws: StoreError.self) { try StoreLocation.parse(input) }
        #expect(error?.description.contains("sqlite:") == true)
        #expect(error?.description.contains("hunter2") == false)
    }

    @Test("opening a PostgreSQL location without ENCRYPTION_KEY fails and does not echo the password")
    func postgresNeedsAnEncryptionKey() async throws {
        let location = try StoreLocation.parse("postgres://pool:hunter2@db:5432/pool")
        do {
            _ = try await openStore(location, cipher: nil, logger: testLogger)
            Issue.record("opening PostgreSQL without a cipher should fail")
        } catch let error as StoreError {
            #expect(error.description.contains("ENCRYPTION_KEY"))
            #expect(error.description.contains("postgres://pool@db:5432/pool"))
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test("opening an SQLite location creates the missing parent folders")
    func sqliteCreatesParentFolders() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("a/b/pool.sqlite").path
            let store = try await openStore(.sqlite(path: path), cipher: nil, logger: testLogger)
            #expect(store.kind == "sqlite")
            #expect(FileManager.default.fileExists(atPath: path))
            try await store.close()
        }
    }
}

@Suite("SQLite files are private")
struct SQLiteFilePermissionTests {
    @Test("a new data folder is 0700 and the database and its WAL files are 0600")
    func privateFiles() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pool-perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("data/pool.sqlite").path
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let store = try await openStore(.sqlite(path: path), cipher: nil, logger: logger)
        try await store.setSetting("probe", value: "x")
        #expect(try mode(root.appendingPathComponent("data").path) == 0o700)
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            #expect(try mode(file) == 0o600, "\(file)")
        }
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        try await store.close()
    }

    @Test("an existing database readable by others is made 0600 at open")
    func tightensExisting() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pool-perm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let path = root.appendingPathComponent("pool.sqlite").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o644]))
        let store = try await openStore(.sqlite(path: path), cipher: nil, logger: Logger(label: "test"))
        #expect(try mode(path) == 0o600)
        try await store.close()
    }

    private func mode(_ path: String) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        return ((attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1) & 0o777
    }
}
