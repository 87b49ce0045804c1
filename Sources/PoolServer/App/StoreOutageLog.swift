import Logging
import Synchronization

/// One warning when a store operation starts failing and one line when it works again, instead of a warning
/// per attempt (a flush or a feed poll fails every second while a database is away).
final class StoreOutageLog: Sendable {
    private let logger: Logger
    /// What fails, for both lines, e.g. "writing statistics".
    private let what: String
    private let failing = Mutex(false)

    init(logger: Logger, what: String) {
        self.logger = logger
        self.what = what
    }

    /// Logs the first failure of an outage.
    func failed(_ error: any Error) {
        let began = failing.withLock { state in
            defer { state = true }
            return !state
        }
        guard began else { return }
        logger.warning(
            "the store is unreachable: \(what) is paused and retried (counters and changes are kept in memory)",
            metadata: ["error": "\(error)"])
    }

    /// Logs the end of an outage, if there was one.
    func succeeded() {
        let ended = failing.withLock { state in
            defer { state = false }
            return state
        }
        guard ended else { return }
        logger.notice("the store is reachable again: \(what) resumed")
    }

    var isFailing: Bool { failing.withLock { $0 } }
}
