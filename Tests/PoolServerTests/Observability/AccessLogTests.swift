import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import PoolCore
import Testing

@testable import PoolServer

#if canImport(Glibc)
import Glibc
#endif

/// `ACCESS_LOG=1` and `LOG_FORMAT=json`: one line per proxied request with what an operator asks of it, from the
/// record the request observers get; on the real binary, every stderr line parses and no secret appears.
@Suite("Access log")
struct AccessLogTests {
    @Test("a record becomes one info line with its fields; absent values are left out")
    func lineFields() throws {
        let pipe = LogPipe()
        let logger = Logger(label: "ollama-pool.access") { label in
            GatewayLogging.makeHandler(label: label, format: .json, level: .info, writer: pipe.writer)
        }
        let log = AccessLog(logger: logger)
        let started = Date()
        log.requestFinished(
            RequestRecord(
                id: "req-1", startedAt: started, tokenID: "t_1", tokenName: "team a", provider: .ollama,
                route: "/v1/chat/completions", model: "llama3", stream: true, status: 200, seconds: 1.23456,
                firstByteSeconds: 0.25, upstreamSeconds: 1.2,
                attempts: [
                    .init(keyID: "k_first", result: .rateLimited, status: 429, seconds: 0.1),
                    .init(keyID: "k_second", result: .success, status: 200, seconds: 1.1),
                ], promptTokens: 12, completionTokens: 34))
        log.requestFinished(
            RequestRecord(
                id: "req-2", startedAt: started, provider: .openrouter, route: "/v1/models", status: 401,
                seconds: 0.0004, error: "invalid client token"))
        let lines = LogPipe.objects(pipe.drain())
        #expect(lines.count == 2)
        let first = try #require(lines.first ?? nil)
        #expect(first["level"] as? String == "info")
        #expect(first["label"] as? String == "ollama-pool.access")
        let expected: [String: String] = [
            "request_id": "req-1", "token": "team a", "token_id": "t_1", "provider": "ollama",
            "route": "/v1/chat/completions", "model": "llama3", "stream": "true", "status": "200", "attempts": "2",
            "key": "k_second", "duration_ms": "1234.6", "ttfb_ms": "250.0", "upstream_ms": "1200.0",
            "prompt_tokens": "12", "completion_tokens": "34", "cached": "false",
        ]
        for (field, value) in expected { #expect(first[field] as? String == value, "\(field)") }
        #expect(first["error"] == nil)
        let second = try #require(lines.last ?? nil)
        #expect(second["status"] as? String == "401")
        #expect(second["duration_ms"] as? String == "0.4")
        #expect(second["error"] as? String == "invalid client token")
        for absent in ["token", "token_id", "model", "key", "ttfb_ms", "upstream_ms", "prompt_tokens"] {
            #expect(second[absent] == nil, "\(absent)")
        }
    }

    @Test("milliseconds are written to a tenth, and a clock that misbehaves does not crash the line")
    func milliseconds() {
        #expect(AccessLog.milliseconds(0) == "0.0")
        #expect(AccessLog.milliseconds(0.00005) == "0.1")
        #expect(AccessLog.milliseconds(1.5) == "1500.0")
        #expect(AccessLog.milliseconds(-1) == "0.0")
        #expect(AccessLog.milliseconds(.nan) == "0.0")
        #expect(AccessLog.milliseconds(.infinity) == "0.0")
    }

    @Test(
        "the binary with LOG_FORMAT=json, ACCESS_LOG=1 and LOG_LEVEL=trace: every line parses, one access line per request, no secret"
    )
    func servedBinary() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-jsonlog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let mock = try await MockUpstream.start()
        let served = try ServedBinary.start(
            folder: folder,
            environment: [
                "OLLAMA_UPSTREAM_URL": mock.baseURL, "LOG_FORMAT": "json", "ACCESS_LOG": "1", "LOG_LEVEL": "trace",
                "SHUTDOWN_DELAY_SECONDS": "0",
            ])
        defer { served.stop() }
        let admin = "tls-admin-token-0123456789abcdef"
        let keySecret = "jsonlog-secret-key-0000000001"
        _ = try await adminCall(
            .POST, "/admin/api-keys/import", port: served.port, token: admin, body: #"{"keys":["\#(keySecret)"]}"#)
        let created = try await adminCall(
            .POST, "/admin/tokens", port: served.port, token: admin, body: #"{"name":"log team"}"#)
        let token = try #require(
            created.range(of: #"(?<="token":")[^"]+"#, options: .regularExpression).map { String(created[$0]) })

        let answered = try await Self.post(port: served.port, token: token, requestID: "access-ok-1")
        #expect(answered == 200)
        let refused = try await Self.post(
            port: served.port, token: "sk-not-a-token-0123456789", requestID: "access-bad-2")
        #expect(refused == 401)
        served.signal(SIGTERM)
        let exit = ContinuousClock.now + .seconds(60)
        while served.process.isRunning, ContinuousClock.now < exit { try await Task.sleep(for: .milliseconds(50)) }
        #expect(served.process.terminationStatus == 0)
        try await Task.sleep(for: .milliseconds(200))  // the last bytes of the pipe
        await mock.stop()

        let output = served.errorOutput
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count > 5)
        var objects: [[String: Any]] = []
        for line in lines {
            let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
            #expect(object != nil, "not a JSON object: \(line)")
            if let object { objects.append(object) }
        }
        for object in objects {
            for field in ["timestamp", "level", "message", "label"] { #expect(object[field] is String, "\(field)") }
        }
        let access = objects.filter { $0["label"] as? String == "ollama-pool.access" }
        #expect(access.count == 2, "\(access)")
        let ok = try #require(access.first { $0["request_id"] as? String == "access-ok-1" })
        #expect(ok["status"] as? String == "200")
        #expect(ok["token"] as? String == "log team")
        #expect((ok["key"] as? String)?.hasPrefix("k_") == true)
        #expect(ok["attempts"] as? String == "1")
        let bad = try #require(access.first { $0["request_id"] as? String == "access-bad-2" })
        #expect(bad["status"] as? String == "401")
        #expect(objects.contains { ($0["message"] as? String)?.contains("not ready any more") == true })
        for secret in [keySecret, token, admin, "sk-not-a-token-0123456789"] {
            #expect(!output.contains(secret), "a secret reached the log")
        }
    }

    /// A chat completion through the gateway; its status.
    static func post(port: Int, token: String, requestID: String) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/chat/completions")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "x-request-id", value: requestID)
        request.body = .bytes(ByteBuffer(string: chatBody))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        _ = try await response.body.collect(upTo: 1 << 22)
        return Int(response.status.code)
    }
}
