import Foundation
import Logging
import PostgresNIO

/// Leadership among the instances sharing a PostgreSQL database: a session advisory lock held on a connection
/// of its own (postgres-nio's pool would hand the session to other work and drop it at will). The lock lives
/// with that session: when the holder dies, its connection closes and the server releases the lock at once;
/// the next instance to ask takes it. A holder whose connection broke finds out at its next `acquire()` and
/// reports "not the leader" until it has reconnected and taken the lock again.
actor PostgresLeaderLock: LeaderLock {
    /// The advisory lock's key (the bytes of "olpoolld"); the migration lock uses another.
    static let lockKey: Int64 = 0x6F6C_706F_6F6C_6C64

    /// How long connecting may take before this round counts as "not the leader".
    static let connectTimeout: Duration = .seconds(10)

    private let settings: PostgresConnectionSettings
    private let logger: Logger
    private var connection: PostgresConnection?
    private var held = false

    init(settings: PostgresConnectionSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// postgres-nio traps (in debug builds) when a connection goes unclosed: a lock let go without `release()` (a
    /// store closed early, a test that failed half-way) closes its connection here; the task keeps it alive until
    /// it is closed, and the server drops the lock with the session.
    deinit {
        if let connection, !connection.isClosed {
            Task { try? await connection.close() }
        }
    }

    func acquire() async -> Bool {
        do {
            let connection = try await openConnection()
            if held {
                // Still ours while the session answers; a broken session has lost the lock with it.
                let rows = try await connection.query("SELECT 1", logger: logger)
                for try await _ in rows {}
                return true
            }
            let rows = try await connection.query("SELECT pg_try_advisory_lock(\(Self.lockKey))", logger: logger)
            var taken = false
            for try await value in rows.decode(Bool.self) { taken = value }
            if taken { logger.info("this instance now runs the singleton work (leader)") }
            held = taken
            return taken
        } catch {
            if held {
                logger.warning(
                    "lost the leader lock's PostgreSQL session", metadata: ["error": "\(PostgresStore.describe(error))"]
                )
            }
            await drop()
            return false
        }
    }

    func release() async {
        if held, let connection {
            _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: logger)
        }
        await drop()
    }

    /// The lock's connection, opened when there is none.
    private func openConnection() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        await drop()
        let (settings, logger) = (self.settings, self.logger)
        let opened = try await withStoreDeadline(
            Self.connectTimeout, what: "open the leader lock's connection to \(settings)"
        ) {
            try await PostgresConnection.connect(
                configuration: try settings.connectionConfiguration(), id: 2, logger: logger)
        }
        // Another call may have connected meanwhile (an actor is re-entered at every await): keep one.
        if let connection, !connection.isClosed {
            try? await opened.close()
            return connection
        }
        connection = opened
        return opened
    }

    /// Forgets the connection (closing it): the lock, if held, goes with the session.
    private func drop() async {
        held = false
        let closing = connection
        connection = nil
        try? await closing?.close()
    }
}
