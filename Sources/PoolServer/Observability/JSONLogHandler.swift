import Logging
import PoolCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `LOG_FORMAT=json`: one JSON object per line — `timestamp` (ISO 8601, UTC, milliseconds), `level`, `message`,
/// `label`, then the metadata as fields of their own (a nested dictionary or list stays nested), e.g.
/// `{"timestamp":"2026-12-06T03:11:22.123Z","level":"info","message":"store loaded","label":"ollama-pool",
/// "keys":"12","store":"sqlite"}`. Hummingbird's per-request id (`hb.request.id`) is written as `request_id`, the
/// name the access log uses for a proxied request's `x-request-id`, so one field finds a request's lines. The
/// line is built here, on the caller's thread, and handed to a ``LogWriter`` (never written here).
struct JSONLogHandler: LogHandler {
    /// The fields every line has; metadata under one of these names is written as `metadata_<name>` instead.
    static let reservedFields: Set<String> = ["timestamp", "level", "message", "label"]

    let label: String
    let writer: LogWriter
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(
        label: String, writer: LogWriter, level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider
    ) {
        self.label = label
        self.writer = writer
        logLevel = level
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            fields.merge(provided) { _, new in new }
        }
        if let explicit = event.metadata, !explicit.isEmpty {
            fields.merge(explicit) { _, new in new }
        }
        if let error = event.error {
            fields["error.message"] = "\(error)"
            fields["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        writer.write(Self.line(level: event.level, message: event.message.description, label: label, fields: fields))
    }

    /// One log line, newline included.
    static func line(
        level: Logger.Level, message: String, label: String, fields: Logger.Metadata, at time: timespec = .now
    ) -> String {
        var line = "{\"timestamp\":\""
        line.reserveCapacity(128 + message.utf8.count + fields.count * 24)
        appendTimestamp(time, to: &line)
        line += "\",\"level\":\""
        line += level.rawValue
        line += "\",\"message\":"
        JSONString.appendQuoted(message, to: &line)
        line += ",\"label\":"
        JSONString.appendQuoted(label, to: &line)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) {
            let name = key == "hb.request.id" && fields["request_id"] == nil ? "request_id" : key
            line += ","
            JSONString.appendQuoted(reservedFields.contains(name) ? "metadata_" + name : name, to: &line)
            line += ":"
            appendValue(value, to: &line)
        }
        line += "}\n"
        return line
    }

    private static func appendValue(_ value: Logger.Metadata.Value, to line: inout String) {
        switch value {
        case .string(let text):
            JSONString.appendQuoted(text, to: &line)
        case .stringConvertible(let convertible):
            JSONString.appendQuoted(convertible.description, to: &line)
        case .array(let values):
            line += "["
            for (index, element) in values.enumerated() {
                if index > 0 { line += "," }
                appendValue(element, to: &line)
            }
            line += "]"
        case .dictionary(let entries):
            line += "{"
            for (index, entry) in entries.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { line += "," }
                JSONString.appendQuoted(entry.key, to: &line)
                line += ":"
                appendValue(entry.value, to: &line)
            }
            line += "}"
        }
    }

    /// `2026-12-06T03:11:22.123Z`.
    private static func appendTimestamp(_ time: timespec, to line: inout String) {
        var seconds = time.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) {
            let text = String(value)
            line += String(repeating: "0", count: max(0, width - text.count)) + text
        }
        digits(parts.tm_year + 1900, 4)
        line += "-"
        digits(parts.tm_mon + 1, 2)
        line += "-"
        digits(parts.tm_mday, 2)
        line += "T"
        digits(parts.tm_hour, 2)
        line += ":"
        digits(parts.tm_min, 2)
        line += ":"
        digits(parts.tm_sec, 2)
        line += "."
        digits(Int32(time.tv_nsec / 1_000_000), 3)
        line += "Z"
    }
}

extension timespec {
    /// The wall clock now.
    static var now: timespec {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return time
    }
}
