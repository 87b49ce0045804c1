import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's logging, set up once by the command line before anything logs: every line goes to standard
/// error through one ``LogWriter`` (so logging never waits on stderr), as text (`LOG_FORMAT=text`, swift-log's
/// usual line) or as one JSON object per line (`LOG_FORMAT=json`, ``JSONLogHandler``).
public enum GatewayLogging {
    /// `LOG_FORMAT`.
    public enum Format: String, Sendable, CaseIterable {
        /// `2026-12-06T03:11:22+0000 info ollama-pool: keys=12 store=sqlite [PoolServer] store loaded`
        case text
        /// `{"timestamp":"2026-12-06T03:11:22.123Z","level":"info","message":"store loaded",…}`
        case json
    }

    /// Bootstraps swift-log with the gateway's handlers (`LoggingSystem` allows this once per process), and has
    /// lines still queued written when the process exits (for up to two seconds).
    public static func bootstrap(format: Format, level: Logger.Level) {
        let writer = LogWriter.standardError
        writer.setDroppedNotice(droppedNotice(format: format))
        LoggingSystem.bootstrap { label in makeHandler(label: label, format: format, level: level, writer: writer) }
        atexit { LogWriter.standardError.flush() }
    }

    /// The line saying how many lines a ``LogWriter`` dropped, in `format`.
    static func droppedNotice(format: Format) -> @Sendable (Int) -> String {
        { count in
            let message = "standard error could not keep up: \(count) log lines dropped"
            switch format {
            case .json:
                return JSONLogHandler.line(
                    level: .warning, message: message, label: "ollama-pool", fields: ["dropped": "\(count)"])
            case .text:
                return "\(message)\n"
            }
        }
    }

    /// A handler of `format` writing to `writer`.
    static func makeHandler(label: String, format: Format, level: Logger.Level, writer: LogWriter) -> any LogHandler {
        switch format {
        case .json:
            return JSONLogHandler(label: label, writer: writer, level: level)
        case .text:
            var handler = StreamLogHandler(label: label, stream: LogWriterStream(writer: writer))
            handler.logLevel = level
            return handler
        }
    }
}
