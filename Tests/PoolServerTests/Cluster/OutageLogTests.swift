import Foundation
import Logging
import PoolStore
import Synchronization
import Testing

@testable import PoolServer

/// A database that goes away for a while costs the log one warning per kind of work and one line when it is back:
/// the heartbeat (every 10 s) does not warn at every attempt (job writes use the same `StoreOutageLog`).
@Suite(
    "Heartbeats while PostgreSQL is away",
    .enabled(
        if: SharedDatabase.postgresURL != nil,
        "POOL_TEST_POSTGRES_URL is not set: the PostgreSQL cluster tests are skipped (scripts/test starts a server)"))
struct OutageLogTests {
    @Test("heartbeats against a stopped database: one warning, then one line when it is back")
    func heartbeatOutage() async throws {
        let postgres = try ThrowawayPostgres()
        defer { postgres.remove() }
        let lines = LogLines()
        let logger = Logger(label: "outage-test") { _ in LogLines.Handler(lines: lines) }
        let store = try await PostgresStore(
            settings: try PostgresConnectionSettings(url: postgres.url), cipher: SharedDatabase.cipher,
            logger: Logger(label: "outage-test-store") { _ in SwiftLogNoOpLogHandler() })
        let heartbeat = InstanceHeartbeat(
            store: store, instance: InstanceIdentity(id: "inst_outage", name: nil), logger: logger)
        await heartbeat.beat(startingUp: true)
        #expect(lines.at(.warning).isEmpty)

        try postgres.stop()
        // Three rounds at once: each waits for a connection until the store gives up, the outage stays short.
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { await heartbeat.beat(startingUp: false) } }
        }
        #expect(lines.at(.warning).count == 1, "\(lines.all)")
        #expect(lines.at(.notice).isEmpty)

        // The connection pool retries with a growing back-off: the store answers again within a minute or so.
        try postgres.start()
        var recovered = false
        for _ in 0..<240 where !recovered {
            await heartbeat.beat(startingUp: false)
            recovered = !lines.at(.notice).isEmpty
            if !recovered { try await Task.sleep(for: .milliseconds(500)) }
        }
        #expect(recovered, "\(lines.all)")
        #expect(lines.at(.warning).count == 1, "\(lines.all)")
        #expect(lines.at(.notice).count == 1, "\(lines.all)")
        try await store.close()
    }
}

/// Log lines a test reads back: level and message.
final class LogLines: Sendable {
    private let lines = Mutex<[(Logger.Level, String)]>([])

    var all: [String] { lines.withLock { $0.map { "\($0.0): \($0.1)" } } }

    func at(_ level: Logger.Level) -> [String] { lines.withLock { $0.filter { $0.0 == level }.map(\.1) } }

    /// A handler writing into `lines`, every level.
    struct Handler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(
            level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
            function: String, line: UInt
        ) {
            lines.lines.withLock { $0.append((level, "\(message)")) }
        }
    }
}
