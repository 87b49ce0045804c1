import Foundation
import Logging
import Testing

@testable import PoolServer

/// `LOG_FORMAT=json` and the writer behind every log line: lines read back from a real pipe parse one by one.
@Suite("JSON logs")
struct JSONLogHandlerTests {
    static func logger(_ pipe: LogPipe, label: String = "test.label", level: Logger.Level = .info) -> Logger {
        Logger(label: label) { label in
            GatewayLogging.makeHandler(label: label, format: .json, level: level, writer: pipe.writer)
        }
    }

    @Test("each line is one JSON object: timestamp (ISO 8601 UTC, ms), level, message, label, metadata as fields")
    func lineShape() throws {
        let pipe = LogPipe()
        var logger = Self.logger(pipe)
        logger[metadataKey: "instance"] = "abc123"
        logger.info("store loaded", metadata: ["keys": "12", "store": "sqlite"])
        logger.debug("below the level")
        logger.warning("nested", metadata: ["limits": ["rpm": "60", "tpm": "1000"], "list": ["a", "b"]])
        let lines = LogPipe.objects(pipe.drain())
        #expect(lines.count == 2)
        let first = try #require(lines.first ?? nil)
        #expect(first["level"] as? String == "info")
        #expect(first["message"] as? String == "store loaded")
        #expect(first["label"] as? String == "test.label")
        #expect(first["keys"] as? String == "12")
        #expect(first["store"] as? String == "sqlite")
        #expect(first["instance"] as? String == "abc123")
        let timestamp = try #require(first["timestamp"] as? String)
        #expect(
            timestamp.range(of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$"#, options: .regularExpression) != nil)
        let parsed = try #require(ISO8601DateFormatter.withFractionalSeconds.date(from: timestamp))
        #expect(abs(parsed.timeIntervalSinceNow) < 600)
        let second = try #require(lines.last ?? nil)
        #expect((second["limits"] as? [String: String]) == ["rpm": "60", "tpm": "1000"])
        #expect((second["list"] as? [String]) == ["a", "b"])
    }

    @Test("quotes, backslashes, newlines, control characters and non-ASCII text survive a round trip")
    func escaping() throws {
        let pipe = LogPipe()
        let logger = Self.logger(pipe)
        let awkward = "say \"hi\" \\ then\nnew line\ttab \u{1}\u{1F} café 日本 🙂"
        logger.error("\(awkward)", metadata: ["value": "\(awkward)"])
        let text = pipe.drain()
        #expect(text.split(separator: "\n").count == 1, "one line per event, newlines escaped: \(text)")
        let line = try #require(LogPipe.objects(text).first ?? nil)
        #expect(line["message"] as? String == awkward)
        #expect(line["value"] as? String == awkward)
    }

    @Test("metadata never overwrites the line's own fields; Hummingbird's request id is written as request_id")
    func reservedAndRequestID() throws {
        let pipe = LogPipe()
        let logger = Self.logger(pipe)
        logger.info("m", metadata: ["level": "fake", "message": "fake", "hb.request.id": "r-1"])
        let line = try #require(LogPipe.objects(pipe.drain()).first ?? nil)
        #expect(line["level"] as? String == "info")
        #expect(line["message"] as? String == "m")
        #expect(line["metadata_level"] as? String == "fake")
        #expect(line["metadata_message"] as? String == "fake")
        #expect(line["request_id"] as? String == "r-1")
    }

    @Test("the text format is swift-log's usual line, written through the same writer")
    func textFormat() {
        let pipe = LogPipe()
        let logger = Logger(label: "text.label") { label in
            GatewayLogging.makeHandler(label: label, format: .text, level: .info, writer: pipe.writer)
        }
        logger.notice("ollama-api-pool listening", metadata: ["port": "8080"])
        let text = pipe.drain()
        #expect(text.hasSuffix("\n"))
        #expect(text.contains(" notice text.label: port=8080 "), "\(text)")
        #expect(text.contains("ollama-api-pool listening"))
    }

    @Test("a reader that stops reading never blocks a logging call: lines past the queue are dropped and counted")
    func fullPipeDropsInsteadOfBlocking() async throws {
        // Nobody reads the pipe: its buffer (64 KiB on Linux) fills, then the writer's queue (64 KiB here).
        let pipe = LogPipe(capacityBytes: 64 * 1024)
        pipe.writer.setDroppedNotice(GatewayLogging.droppedNotice(format: .json))
        let logger = Self.logger(pipe)
        let lines = 5_000
        let logged = Task.detached {
            for index in 0..<lines {
                logger.info("line \(index)", metadata: ["padding": "\(String(repeating: "x", count: 100))"])
            }
            return true
        }
        // Generous: 5,000 calls that each only queue or drop take milliseconds; a blocked call never returns.
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { await logged.value }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return false
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(finished, "logging blocked on a pipe nobody reads")
        let objects = LogPipe.objects(pipe.drain())
        #expect(objects.allSatisfy { $0 != nil }, "every line written parses")
        let written = objects.compactMap { $0 }
        let notices = written.filter { ($0["message"] as? String)?.contains("log lines dropped") == true }
        let dropped = notices.compactMap { ($0["dropped"] as? String).flatMap(Int.init) }.reduce(0, +)
        let kept = written.count - notices.count
        #expect(dropped > 0)
        #expect(kept + dropped == lines, "every line is either written or counted as dropped")
        // Order is kept among the lines written.
        let indices = written.compactMap { ($0["message"] as? String)?.split(separator: " ").last.flatMap { Int($0) } }
        #expect(indices == indices.sorted())
    }
}

extension ISO8601DateFormatter {
    fileprivate static var withFractionalSeconds: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
