import Foundation
import Logging
import PostgresNIO

/// Wake-ups after other writers' commits: a dedicated connection LISTENs on `changeChannel` (postgres-nio's pool
/// has no LISTEN, and a LISTEN needs a session of its own: behind PgBouncer, point it at a session pool).
extension PostgresStore {
    /// The channel change transactions notify (payload: the revision).
    static let changeChannel = "ollama_pool_changes"

    /// A stream that yields after each notification, and once after every (re)connect so the reader catches up
    /// on what it may have missed. Reconnects with back-off (0.5 s doubling to `listenBackoff`) while the stream
    /// is consumed; logs one warning when the connection is lost and one line when it is back.
    public func changeSignals() -> AsyncStream<Void>? {
        let settings = self.settings
        let logger = self.logger
        let quiet = {
            var quiet = logger
            quiet.logLevel = max(logger.logLevel, .warning)
            return quiet
        }()
        let listening = self.listening
        return AsyncStream(bufferingPolicy: .bufferingNewest(1)) { continuation in
            let task = Task {
                var delay: Duration = .milliseconds(500)
                var lost = false
                while !Task.isCancelled {
                    do {
                        let connection = try await PostgresConnection.connect(
                            configuration: try settings.connectionConfiguration(), id: 0, logger: quiet)
                        do {
                            let notifications = try await connection.listen(Self.changeChannel)
                            listening.set(true)
                            delay = .milliseconds(500)
                            if lost {
                                logger.notice(
                                    "the PostgreSQL LISTEN connection is back", metadata: ["database": "\(settings)"])
                                lost = false
                            }
                            continuation.yield()
                            for try await _ in notifications { continuation.yield() }
                        } catch {
                            if !Task.isCancelled, !lost {
                                lost = true
                                logger.warning(
                                    "the PostgreSQL LISTEN connection ended; reconnecting, polling meanwhile",
                                    metadata: ["error": "\(Self.describe(error))"])
                            }
                        }
                        listening.set(false)
                        try? await connection.close()
                    } catch {
                        listening.set(false)
                        if !Task.isCancelled, !lost {
                            lost = true
                            logger.warning(
                                "cannot open the PostgreSQL LISTEN connection; retrying, polling meanwhile",
                                metadata: ["database": "\(settings)", "error": "\(Self.describe(error))"])
                        }
                    }
                    try? await Task.sleep(for: delay)
                    delay = min(delay * 2, Self.listenBackoff)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// The longest pause between LISTEN reconnects: short enough that the connection is back within seconds
    /// of the server.
    static let listenBackoff: Duration = .seconds(2)

}
