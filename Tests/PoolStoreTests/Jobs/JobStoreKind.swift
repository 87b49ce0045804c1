import Foundation
import PoolStore
import Synchronization
import Testing

/// The stores the job tests run on: one SQLite file, a fresh PostgreSQL database (when `scripts/test` started a
/// server), and the in-memory store. Each hands out any number of store objects on one shared database, as
/// several instances would open it.
enum JobStoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres, memory

    var testDescription: String { rawValue }

    /// The kinds this run can check.
    static var tested: [JobStoreKind] { PostgresTestServer.isAvailable ? allCases : [.sqlite, .memory] }

    /// Runs `body` with a function that opens one more store on a fresh shared database; closes them all after.
    func with(_ body: (@Sendable () async throws -> any PoolStore) async throws -> Void) async throws {
        let opened = OpenedStores()
        do {
            switch self {
            case .sqlite:
                try await withTemporaryDirectory { folder in
                    let path = databasePath(in: folder)
                    try await body {
                        opened.add(try SQLiteStore(path: path, cipher: PostgresTestServer.cipher, logger: testLogger))
                    }
                    await opened.closeAll()
                }
            case .postgres:
                try await PostgresTestServer.withDatabase { settings in
                    try await body {
                        opened.add(
                            try await PostgresStore(
                                settings: settings, cipher: PostgresTestServer.cipher, logger: testLogger))
                    }
                    await opened.closeAll()
                }
            case .memory:
                let shared = InMemoryStore()
                try await body { shared }
            }
        } catch {
            await opened.closeAll()
            throw error
        }
    }
}

/// The stores a test opened, to close when it ends however it ends.
private final class OpenedStores: Sendable {
    private let stores = Mutex<[any PoolStore]>([])

    func add(_ store: any PoolStore) -> any PoolStore {
        stores.withLock { $0.append(store) }
        return store
    }

    func closeAll() async {
        let all = stores.withLock { stores in
            defer { stores = [] }
            return stores
        }
        for store in all { try? await store.close() }
    }
}
