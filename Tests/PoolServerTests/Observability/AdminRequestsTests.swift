import Foundation
import NIOHTTP1
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// `GET /admin/requests` and `GET /admin/usage` over a real gateway in front of the mock upstream: what the
/// request log shows of successes, failovers, cached answers and refusals, its filters and pages, bodies with
/// `LOG_BODIES=1`, retention, and a restart.
@Suite("Admin: the request log and usage")
struct AdminRequestsTests {
    /// `GET /admin/requests` with `query`, expecting 200; the listed requests and the next cursor.
    func list(_ gateway: TestGateway, _ query: String = "") async throws -> ([[String: Any]], String?) {
        let reply = try await gateway.admin(.GET, "/admin/requests" + query)
        try #require(reply.status == 200, "\(reply.status) \(reply.body)")
        let requests = try #require(reply.json["requests"] as? [[String: Any]])
        return (requests, reply.json["next_cursor"] as? String)
    }

    @Test("successes, failovers, cached answers and refusals are listed newest first in the promised shape")
    func listsEveryKind() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["limited-key-0000001", "healthy-key-0000002"])
            mock.set(.status(429), forKey: "limited-key-0000001")
            let token = try await gateway.createToken(name: "carol")
            let failover = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            #expect(failover.status == 200)
            _ = try await gateway.request(.GET, "/api/tags", token: token)
            let cached = try await gateway.request(.GET, "/api/tags", token: token)
            #expect(cached.header("x-pool-cache") == "hit")
            let refused = try await gateway.request(.POST, "/v1/chat/completions", token: "wrong", body: chatBody)
            #expect(refused.status == 401)

            let (requests, next) = try await list(gateway)
            #expect(next == nil)
            try #require(requests.count == 4)
            let expectedKeys: Set<String> = [
                "id", "started_at", "token_id", "token_name", "provider", "route", "model", "stream", "status",
                "duration_ms", "ttfb_ms", "upstream_ms", "attempts", "prompt_tokens", "completion_tokens", "cached",
                "error",
            ]
            for request in requests { #expect(Set(request.keys) == expectedKeys) }
            let (refusal, hit, miss, chat) = (requests[0], requests[1], requests[2], requests[3])
            #expect(refusal["status"] as? Int == 401)
            #expect(refusal["token_id"] is NSNull)
            #expect(refusal["model"] is NSNull)
            #expect(refusal["ttfb_ms"] as? Double != nil)
            #expect((refusal["error"] as? String)?.isEmpty == false)
            #expect(hit["cached"] as? Bool == true)
            #expect((hit["attempts"] as? [Any])?.isEmpty == true)
            #expect(miss["cached"] as? Bool == false)
            #expect(miss["route"] as? String == "/api/tags")
            #expect(chat["id"] as? String == failover.header("x-request-id"))
            #expect(chat["token_name"] as? String == "carol")
            #expect(chat["provider"] as? String == "ollama")
            #expect(chat["model"] as? String == "llama3.2:1b")
            #expect(chat["status"] as? Int == 200)
            #expect(chat["prompt_tokens"] as? Int == 5)
            #expect(chat["completion_tokens"] as? Int == 7)
            #expect(chat["error"] is NSNull)
            let started = try #require(chat["started_at"] as? String)
            #expect(started.hasSuffix("Z") && started.contains("."))
            #expect(RequestTime.parse(started) != nil)
            let attempts = try #require(chat["attempts"] as? [[String: Any]])
            #expect(attempts.map { $0["key_id"] as? String } == ids)
            #expect(attempts.map { $0["result"] as? String } == ["rate_limited", "success"])
            #expect(attempts.map { $0["status"] as? Int } == [429, 200])
            #expect(attempts[1]["error"] is NSNull)
            #expect((chat["duration_ms"] as? Double ?? 0) >= (chat["upstream_ms"] as? Double ?? .infinity))
        }
    }

    @Test("filters narrow the list, pages follow next_cursor, a bad filter is a 400")
    func filtersAndPages() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["filter-key-00000001"])
            let alice = try await gateway.createToken(name: "alice")
            let bob = try await gateway.createToken(name: "bob")
            for _ in 0..<3 {
                _ = try await gateway.request(.POST, "/v1/chat/completions", token: alice, body: chatBody)
            }
            let other = #"{"model":"qwen3:8b","messages":[]}"#
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: bob, body: other)
            mock.setDefault(.status(404))
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: bob, body: chatBody)

            let bobID = try #require(gateway.gateway.tokens.entries().first { $0.record.name == "bob" }?.record.id)
            #expect(try await list(gateway, "?token=\(bobID)").0.count == 2)
            #expect(try await list(gateway, "?model=qwen3:8b").0.count == 1)
            #expect(try await list(gateway, "?status=404").0.count == 1)
            #expect(try await list(gateway, "?status=2xx").0.count == 4)
            #expect(try await list(gateway, "?status=error").0.count == 1)
            #expect(try await list(gateway, "?key=\(ids[0])").0.count == 5)
            #expect(try await list(gateway, "?key=k_unknown").0.isEmpty)
            #expect(try await list(gateway, "?q=QWEN3").0.count == 1)
            #expect(try await list(gateway, "?provider=openrouter").0.isEmpty)
            #expect(try await list(gateway, "?since=\(Int(Date().timeIntervalSince1970) + 3600)").0.isEmpty)
            #expect(try await list(gateway, "?until=2020-01-01T00:00:00Z").0.isEmpty)

            let all = try await list(gateway).0.compactMap { $0["id"] as? String }
            var paged: [String] = []
            var cursor: String?
            repeat {
                let query = "?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let (page, next) = try await list(gateway, query)
                #expect(page.count <= 2)
                paged += page.compactMap { $0["id"] as? String }
                cursor = next
                // A request made while paging is newer than every page: it never shows up in a later one.
                _ = try await gateway.request(.POST, "/v1/chat/completions", token: alice, body: chatBody)
            } while cursor != nil
            #expect(paged == all)

            for bad in [
                "?status=teapot", "?limit=0", "?limit=501", "?since=yesterday", "?cursor=%21%21", "?provider=x",
            ] {
                let reply = try await gateway.admin(.GET, "/admin/requests" + bad)
                #expect(reply.status == 400, "\(bad)")
                #expect((reply.json["error"] as? String)?.isEmpty == false, "\(bad): \(reply.body)")
            }
            let usage = try await gateway.admin(.GET, "/admin/usage?by=week")
            #expect(usage.status == 400)
            #expect(usage.json["error"] is String)
            #expect(try await gateway.request(.GET, "/admin/requests").status == 401)
        }
    }

    @Test("usage by token, key and model: requests, failures and tokens per day")
    func usage() async throws {
        try await withProxy { gateway, mock in
            let ids = try await gateway.addKeys(["usage-key-000000001"])
            let token = try await gateway.createToken(name: "dave")
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            mock.setDefault(.status(500))
            _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)

            let reply = try await gateway.admin(.GET, "/admin/usage")
            #expect(reply.status == 200)
            #expect(reply.json["by"] as? String == "token")
            #expect(reply.json["period"] as? String == "day")
            #expect((reply.json["since"] as? String).flatMap(RequestTime.parse) != nil)
            #expect((reply.json["until"] as? String).flatMap(RequestTime.parse) != nil)
            let rows = try #require(reply.json["rows"] as? [[String: Any]])
            try #require(rows.count == 1)
            #expect(rows[0]["name"] as? String == "dave")
            #expect(rows[0]["requests"] as? Int == 3)
            #expect(rows[0]["failed"] as? Int == 1)
            #expect(rows[0]["prompt_tokens"] as? Int == 10)
            #expect(rows[0]["completion_tokens"] as? Int == 14)
            let bucket = try #require(rows[0]["bucket"] as? String)
            #expect(bucket.hasSuffix("T00:00:00Z"))

            let byKey = try await gateway.admin(.GET, "/admin/usage?by=key&period=hour")
            let keyRows = try #require(byKey.json["rows"] as? [[String: Any]])
            #expect(keyRows.map { $0["id"] as? String } == [ids[0]])
            #expect(keyRows.first?["name"] is NSNull)
            let byModel = try await gateway.admin(.GET, "/admin/usage?by=model")
            let modelRows = try #require(byModel.json["rows"] as? [[String: Any]])
            #expect(modelRows.map { $0["id"] as? String } == ["llama3.2:1b"])
            #expect(modelRows.map { $0["name"] as? String } == ["llama3.2:1b"])
        }
    }

    @Test("LOG_BODIES=1 keeps the request body in the record; without it there is no body field")
    func bodies() async throws {
        for logBodies in [true, false] {
            try await withProxy({ $0.requestLog.logBodies = logBodies }) { gateway, _ in
                try await gateway.addKeys(["body-key-0000000001"])
                let token = try await gateway.createToken()
                _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                let large =
                    #"{"model":"m","messages":[{"role":"user","content":""#
                    + String(repeating: "x", count: 70_000) + #""}]}"#
                _ = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: large)
                let (requests, _) = try await list(gateway)
                try #require(requests.count == 2)
                if logBodies {
                    #expect(requests[1]["body"] as? String == chatBody)
                    #expect((requests[0]["body"] as? String)?.utf8.count == RequestRecord.bodyLimit)
                } else {
                    #expect(requests.allSatisfy { $0["body"] == nil })
                }
            }
        }
    }

    @Test("the log survives a restart on the same SQLite file")
    func survivesRestart() async throws {
        let mock = try await MockUpstream.start()
        let first = try await TestGateway.start { $0.upstream.ollamaURL = mock.baseURL }
        let directory = first.directory
        try await first.addKeys(["restart-key-0000001"])
        let token = try await first.createToken(name: "erin")
        for _ in 0..<3 { _ = try await first.request(.POST, "/v1/chat/completions", token: token, body: chatBody) }
        let before = try await list(first).0.compactMap { $0["id"] as? String }
        #expect(before.count == 3)
        await first.stop(removeFiles: false)

        let second = try await TestGateway.start(directory: directory) { $0.upstream.ollamaURL = mock.baseURL }
        let after = try await list(second)
        #expect(after.0.compactMap { $0["id"] as? String } == before)
        #expect(after.0.allSatisfy { $0["token_name"] as? String == "erin" })
        let stored = try await second.gateway.store.requestLog(RequestFilter(), limit: 10, before: nil)
        #expect(stored.map(\.id) == before)
        await second.stop()
        await mock.stop()
    }

    @Test("records older than REQUEST_LOG_DAYS are pruned (manual clock)")
    func retention() async throws {
        let clock = ManualClock(Date())
        try await withProxy(clock: clock, { $0.requestLog.days = 7 }) { gateway, _ in
            try await gateway.addKeys(["retention-key-00001"])
            let token = try await gateway.createToken()
            let old = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            clock.advance(by: 3 * 86_400)
            let recent = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
            let log = gateway.gateway.requestLog
            // The writer service may have written them already; either way both are stored now.
            await log.flush()
            #expect(log.pendingCount == 0)
            let store = gateway.gateway.store
            #expect(try await store.requestLog(RequestFilter(), limit: 10, before: nil).count == 2)
            clock.advance(by: 5 * 86_400)
            // (The writer's own prune, at its start, may race this one: what is left is the point.)
            #expect(await log.prune() <= 1)
            let stored = try await store.requestLog(RequestFilter(), limit: 10, before: nil).map(\.id)
            #expect(stored == [recent.header("x-request-id")])
            let ids = try await list(gateway).0.compactMap { $0["id"] as? String }
            #expect(ids == [recent.header("x-request-id")])
            #expect(old.header("x-request-id") != recent.header("x-request-id"))
        }
    }

    @Test("REQUEST_LOG_DAYS=0 keeps the log in memory only, bounded by REQUEST_LOG_SIZE")
    func memoryOnly() async throws {
        try await withProxy({
            $0.requestLog.days = 0
            $0.requestLog.size = 2
        }) { gateway, _ in
            try await gateway.addKeys(["memory-key-00000001"])
            let token = try await gateway.createToken()
            var ids: [String] = []
            for _ in 0..<3 {
                let reply = try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody)
                ids.append(reply.header("x-request-id") ?? "")
            }
            #expect(await gateway.gateway.requestLog.flush() == 0)
            #expect(try await list(gateway).0.compactMap { $0["id"] as? String } == ids.suffix(2).reversed())
            #expect(try await gateway.gateway.store.requestLog(RequestFilter(), limit: 10, before: nil).isEmpty)
        }
    }

    @Test("REQUEST_LOG_SIZE=0 with REQUEST_LOG_DAYS=0 keeps nothing (and the log observes nothing)")
    func off() async throws {
        try await withProxy({
            $0.requestLog.days = 0
            $0.requestLog.size = 0
        }) { gateway, _ in
            try await gateway.addKeys(["off-key-00000000001"])
            let token = try await gateway.createToken()
            #expect(
                try await gateway.request(.POST, "/v1/chat/completions", token: token, body: chatBody).status == 200)
            #expect(!gateway.gateway.requestLog.isKeeping)
            #expect(try await list(gateway).0.isEmpty)
        }
    }
}
