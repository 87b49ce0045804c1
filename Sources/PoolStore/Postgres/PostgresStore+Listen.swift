import Foundation
import Logging
import PostgresNIO

/// Wake-ups after other writers' commits: a dedicated connection LISTENs on `changeChannel` (postgres-nio's pool
/// has no LISTEN, and a LISTEN needs a session of its own: behind PgBouncer, point it at a session pool).
extension PostgresStore {
    /// The channel change transactions notify (payload: the revision).
    static let changeChannel = "ollama_pool_changes"

    /// A stream that yields after each notification, and once after every (re)connect so the reader catches up
    /// on what it may have missed. Reconnects with back-off (1 s doubling to 30 s) while the stream is consumed.
    public func changeSignals() -> AsyncStream<Void>? {
        let settings = self.settings
        let logger = self.logger
        let listening = self.listening
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task {
                var delay: Duration = .seconds(1)
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: try settings.connectionConfiguration(), id: 0, logger: logger)
                        do {
                            let notifications = try await connection.listen(Self.changeChannel)
                            listening.set(true)
                            delay = .seconds(1)
                            continuation.yield()
                            for try await _ in notifications { continuation.yield() }
                        } catch {
                            if !Task.isCancelled {
                                logger.warning(
                                    "the PostgreSQL LISTEN connection ended; reconnecting",
                                    metadata: ["error": "\(Self.describe(error))"])
                            }
                        }
                        listening.set(false)
                        try? await connection.close()
                    } catch {
                        listening.set(false)
                        logger.warning(
                            "cannot open the PostgreSQL LISTEN connection; polling meanwhile",
                            metadata: ["database": "\(settings)", "error": "\(Self.describe(error))"])
                    }
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(30))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Whether the LISTEN connection is up (for `/health`).
    public var isListening: Bool { listening.isSet }
}
