import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP server on loopback that plays the upstream provider. Tests decide, per key, what it answers:
/// status, Retry-After, delay, body, a stream of chunks with gaps, or a connection cut mid-stream.
final class MockUpstream: Sendable {
    struct Behavior: Sendable {
        var status = 200
        var headers: [String: String] = [:]
        /// Wait before answering at all.
        var delay: Duration = .zero
        /// Body for a non-stream answer; nil means a realistic default for the path.
        var body: String?
        /// Number of SSE chunks to send when the client asks for a stream.
        var chunks = 3
        /// Pause between chunks.
        var chunkGap: Duration = .zero
        /// Close the connection after this many chunks, without finishing the stream.
        var cutAfter: Int?
        /// Drop the connection before sending any answer.
        var dropConnection = false
        /// Send every event or line in two writes with a pause between, so it crosses TCP reads.
        var splitEvents = false
        /// After the first event, wait until the test calls `release()` (at most a minute) before sending the rest.
        var holdAfterFirst = false
        /// Per-path overrides (path without query, e.g. `/api/tags`): status and body for that path only.
        var pathStatus: [String: Int] = [:]
        var pathBodies: [String: String] = [:]

        static let ok = Behavior()
        static func status(_ code: Int, headers: [String: String] = [:], body: String? = nil) -> Behavior {
            Behavior(status: code, headers: headers, body: body)
        }
    }

    struct Received: Sendable {
        var method: String
        var path: String
        var key: String?
        var headers: [String: String]
        var body: String
    }

    private struct State {
        var behaviors: [String: Behavior] = [:]
        var fallback = Behavior()
        var received: [Received] = []
        var chunksSent = 0
        var released = false
        var streamsAbandoned = 0
        /// Requests being answered now (until the response head), and the most there ever were at once.
        var inFlight = 0
        var maxInFlight = 0
    }

    private let state = Mutex(State())
    private let task: Mutex<Task<Void, any Error>?> = Mutex(nil)
    private let shutdown: Mutex<ServiceGroup?> = Mutex(nil)
    let port: Int

    private init(port: Int) {
        self.port = port
    }

    var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a mock on an ephemeral loopback port, or on `port` (a mock that returns where a stopped one was).
    static func start(port: Int = 0) async throws -> MockUpstream {
        let (portStream, portContinuation) = AsyncStream<Int>.makeStream()
        let holder = Mutex<MockUpstream?>(nil)
        var logger = Logger(label: "mock-upstream")
        logger.logLevel = .critical
        let app = Application(
            responder: MockResponder(mock: { holder.withLock { $0 } }),
            configuration: .init(address: .hostname("127.0.0.1", port: port)),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let mock = MockUpstream(port: port)
        holder.withLock { $0 = mock }
        mock.task.withLock { $0 = task }
        mock.shutdown.withLock { $0 = group }
        return mock
    }

    func stop() async {
        if let group = shutdown.withLock({ $0 }) { await group.triggerGracefulShutdown() }
        let task = self.task.withLock { $0 }
        task?.cancel()
        _ = try? await task?.value
    }

    // MARK: Test controls

    func set(_ behavior: Behavior, forKey key: String) {
        state.withLock { $0.behaviors[key] = behavior }
    }

    func setDefault(_ behavior: Behavior) {
        state.withLock { $0.fallback = behavior }
    }

    var received: [Received] { state.withLock { $0.received } }
    var keysUsed: [String] { received.compactMap(\.key) }
    var chunksSent: Int { state.withLock { $0.chunksSent } }
    var streamsAbandoned: Int { state.withLock { $0.streamsAbandoned } }
    var maxConcurrentRequests: Int { state.withLock { $0.maxInFlight } }

    func reset() {
        state.withLock { $0 = State() }
    }

    // MARK: Answering

    fileprivate func behavior(for key: String?) -> Behavior {
        state.withLock { state in key.flatMap { state.behaviors[$0] } ?? state.fallback }
    }

    fileprivate func record(_ received: Received) {
        state.withLock { $0.received.append(received) }
    }

    fileprivate func enter() {
        state.withLock {
            $0.inFlight += 1
            $0.maxInFlight = max($0.maxInFlight, $0.inFlight)
        }
    }

    fileprivate func leave() {
        state.withLock { $0.inFlight -= 1 }
    }

    /// Lets a stream held by `holdAfterFirst` go on.
    func release() {
        state.withLock { $0.released = true }
    }

    fileprivate func waitForRelease() async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while !state.withLock({ $0.released }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    fileprivate func countChunk() {
        state.withLock { $0.chunksSent += 1 }
    }

    fileprivate func countAbandoned() {
        state.withLock { $0.streamsAbandoned += 1 }
    }
}

private struct MockError: Error {}

private struct MockResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let mock: @Sendable () -> MockUpstream?

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        guard let mock = mock() else { throw MockError() }
        mock.enter()
        defer { mock.leave() }
        var request = request
        let bodyBuffer = try await request.collectBody(upTo: 16 * 1024 * 1024)
        let body = String(buffer: bodyBuffer)
        let authorization = request.headers[.authorization]
        let key = authorization.flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        mock.record(
            .init(
                method: request.method.rawValue, path: request.uri.description, key: key, headers: headers, body: body))

        let behavior = mock.behavior(for: key)
        if behavior.delay > .zero { try await Task.sleep(for: behavior.delay) }
        if behavior.dropConnection { throw MockError() }

        var responseHeaders = HTTPFields()
        for (name, value) in behavior.headers {
            if let fieldName = HTTPField.Name(name) { responseHeaders[fieldName] = value }
        }
        let path = request.uri.path
        let statusCode = behavior.pathStatus[path] ?? behavior.status
        let status = HTTPResponse.Status(code: statusCode)
        let wantsStream = Self.wantsStream(path: path, body: body)
        guard statusCode == 200, wantsStream else {
            if responseHeaders[.contentType] == nil { responseHeaders[.contentType] = "application/json" }
            let text = behavior.pathBodies[path] ?? behavior.body ?? Self.defaultBody(path: path, status: statusCode)
            return Response(status: status, headers: responseHeaders, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let events = Self.streamEvents(path: path, count: behavior.chunks)
        responseHeaders[.contentType] = path.hasPrefix("/api/") ? "application/x-ndjson" : "text/event-stream"
        return Response(
            status: status, headers: responseHeaders,
            body: ResponseBody { writer in
                do {
                    for (index, event) in events.enumerated() {
                        if let cut = behavior.cutAfter, index == cut { throw MockError() }
                        if index == 1, behavior.holdAfterFirst { try await mock.waitForRelease() }
                        if index > 0, behavior.chunkGap > .zero { try await Task.sleep(for: behavior.chunkGap) }
                        if behavior.splitEvents {
                            let middle = event.index(event.startIndex, offsetBy: event.count / 2)
                            try await writer.write(ByteBuffer(string: String(event[..<middle])))
                            try await Task.sleep(for: .milliseconds(30))
                            try await writer.write(ByteBuffer(string: String(event[middle...])))
                        } else {
                            try await writer.write(ByteBuffer(string: event))
                        }
                        mock.countChunk()
                    }
                    try await writer.finish(nil)
                } catch let error as MockError {
                    throw error
                } catch {
                    mock.countAbandoned()
                    throw error
                }
            })
    }

    /// Ollama's native chat and generate stream unless told not to; everything else streams only when asked.
    static func wantsStream(path: String, body: String) -> Bool {
        let compact = body.replacingOccurrences(of: " ", with: "")
        if path == "/api/chat" || path == "/api/generate" { return !compact.contains("\"stream\":false") }
        return compact.contains("\"stream\":true")
    }

    /// The events (SSE) or lines (NDJSON) of a stream of `count` content pieces, in the path's dialect.
    static func streamEvents(path: String, count: Int) -> [String] {
        switch path {
        case "/api/chat", "/api/generate":
            let field = path == "/api/chat" ? #""message":{"role":"assistant","content":"c%d"}"# : #""response":"c%d""#
            var lines = (0..<count).map { index in
                #"{"model":"llama3.2:1b","created_at":"2026-01-01T00:00:00Z",\#(String(format: field, index)),"done":false}"#
                    + "\n"
            }
            lines.append(
                #"{"model":"llama3.2:1b","created_at":"2026-01-01T00:00:00Z",\#(String(format: field, count).replacingOccurrences(of: "c\(count)", with: "")),"done":true,"done_reason":"stop","prompt_eval_count":11,"eval_count":\#(count)}"#
                    + "\n")
            return lines
        case "/v1/responses":
            return [
                #"event: response.created\#ndata: {"type":"response.created","response":{"id":"resp_1","status":"in_progress"}}"#,
                #"event: response.output_text.delta\#ndata: {"type":"response.output_text.delta","delta":"hello"}"#,
                #"event: response.completed\#ndata: {"type":"response.completed","response":{"id":"resp_1","status":"completed","usage":{"input_tokens":9,"output_tokens":\#(count),"total_tokens":\#(9 + count)}}}"#,
            ].map { $0 + "\n\n" }
        case "/v1/messages":
            var events = [
                #"event: message_start\#ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":11,"output_tokens":0}}}"#
            ]
            events.append(
                #"event: content_block_start\#ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#
            )
            for index in 0..<count {
                events.append(
                    #"event: content_block_delta\#ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"c\#(index)"}}"#
                )
            }
            events.append(#"event: content_block_stop\#ndata: {"type":"content_block_stop","index":0}"#)
            events.append(
                #"event: message_delta\#ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":\#(count)}}"#
            )
            events.append(#"event: message_stop\#ndata: {"type":"message_stop"}"#)
            return events.map { $0 + "\n\n" }
        default:
            var events = (0..<count - 1).map { index in
                #"data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"c\#(index)"}}]}"#
            }
            events.append(
                #"data: {"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":\#(count)}}"#
            )
            events.append("data: [DONE]")
            return events.map { $0 + "\n\n" }
        }
    }

    static func defaultBody(path: String, status: Int) -> String {
        guard status == 200 else {
            if path.hasPrefix("/api/") { return #"{"error":"mock error \#(status)"}"# }
            if path == "/v1/messages" {
                return #"{"type":"error","error":{"type":"api_error","message":"mock error \#(status)"}}"#
            }
            return #"{"error":{"message":"mock error \#(status)","type":"mock","code":null}}"#
        }
        switch path {
        case "/api/tags":
            return
                #"{"models":[{"name":"llama3.2:1b","model":"llama3.2:1b","modified_at":"2026-01-01T00:00:00Z","size":1,"digest":"d","details":{"family":"llama"}}]}"#
        case "/api/show":
            return
                #"{"modelfile":"FROM llama3.2:1b","parameters":"","template":"","details":{"family":"llama"},"model_info":{}}"#
        case "/api/version":
            return #"{"version":"0.12.0"}"#
        case "/api/ps":
            return #"{"models":[]}"#
        case "/api/embed":
            return #"{"model":"m","embeddings":[[0.1,0.2]],"prompt_eval_count":4}"#
        case "/api/embeddings":
            return #"{"embedding":[0.1,0.2]}"#
        case "/api/chat":
            return
                #"{"model":"llama3.2:1b","created_at":"2026-01-01T00:00:00Z","message":{"role":"assistant","content":"hello"},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":7}"#
        case "/api/generate":
            return
                #"{"model":"llama3.2:1b","created_at":"2026-01-01T00:00:00Z","response":"hello","done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":7}"#
        case "/v1/messages/count_tokens":
            return #"{"input_tokens":12}"#
        case "/v1/responses":
            return
                #"{"id":"resp_1","object":"response","status":"completed","model":"llama3.2:1b","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"hello"}]}],"usage":{"input_tokens":9,"output_tokens":4,"total_tokens":13}}"#
        case "/v1/messages":
            return
                #"{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"hello"}],"stop_reason":"end_turn","usage":{"input_tokens":5,"output_tokens":7}}"#
        default:
            break
        }
        if let marker = path.range(of: "/models/") {
            let id = path[marker.upperBound...]
            return #"{"id":"\#(id)","object":"model","created":1,"owned_by":"mock"}"#
        }
        if path.hasSuffix("/models") {
            return #"{"object":"list","data":[{"id":"llama3.2:1b","object":"model","created":1,"owned_by":"mock"}]}"#
        }
        if path.hasSuffix("/embeddings") {
            return
                #"{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"m","usage":{"prompt_tokens":4,"total_tokens":4}}"#
        }
        if path.hasSuffix("/completions") && !path.hasSuffix("/chat/completions") {
            return
                #"{"id":"cmpl-1","object":"text_completion","created":1,"model":"llama3.2:1b","choices":[{"index":0,"text":"hello","finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#
        }
        return
            #"{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"llama3.2:1b","choices":[{"index":0,"message":{"role":"assistant","content":"hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#
    }
}
