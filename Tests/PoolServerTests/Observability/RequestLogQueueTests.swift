import Foundation
import Logging
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

/// The request log's queue for the store: a flush takes it whole and writes it in order; past its limit the
/// oldest records go, a tenth of the limit at once, and the flush says how many.
@Suite("Request log: the queue for the store")
struct RequestLogQueueTests {
    func record(_ index: Int) -> RequestRecord {
        RequestRecord(
            id: "r\(index)", startedAt: Date(timeIntervalSince1970: 1_765_000_000 + Double(index) / 1000),
            tokenID: "t_1", tokenName: "n", provider: .ollama, route: "/v1/chat/completions", model: "m",
            status: 200, seconds: 0.01,
            attempts: [RequestRecord.Attempt(keyID: "k_1", result: .success, status: 200, seconds: 0.01)])
    }

    @Test("a flush writes every queued record in order and empties the queue; the next flush writes only new ones")
    func flushTakesTheWholeQueue() async throws {
        let store = InMemoryStore()
        let log = RequestLog(
            settings: RequestLogSettings(), store: store, clock: ManualClock(), logger: Logger(label: "test"))
        for index in 0..<2_500 { log.requestFinished(record(index)) }
        #expect(log.pendingCount == 2_500)
        #expect(await log.flush() == 2_500)
        #expect(log.pendingCount == 0)
        log.requestFinished(record(2_500))
        #expect(await log.flush() == 1)
        #expect(await log.flush() == 0)
        let stored = try await store.requestLog(RequestFilter(), limit: 3_000, before: nil)
        #expect(stored.map(\.id) == (0...2_500).reversed().map { "r\($0)" })
    }

    @Test("past the limit the oldest tenth goes at once; the flush writes the rest, oldest first")
    func overflowDropsTheOldest() async throws {
        let store = InMemoryStore()
        let log = RequestLog(
            settings: RequestLogSettings(), store: store, clock: ManualClock(), logger: Logger(label: "test"),
            pendingLimit: 100)
        for index in 1...100 { log.requestFinished(record(index)) }
        #expect(log.pendingCount == 100)
        log.requestFinished(record(101))
        // Records 1–10 went together; 101 joined the 90 left.
        #expect(log.pendingCount == 91)
        for index in 102...105 { log.requestFinished(record(index)) }
        #expect(await log.flush() == 95)
        let stored = try await store.requestLog(RequestFilter(), limit: 200, before: nil)
        #expect(stored.map(\.id) == (11...105).reversed().map { "r\($0)" })
        #expect(log.pendingCount == 0)
    }

    @Test("the writer writes as soon as a batch waits, long before its interval; fewer records wait for it")
    func writerWritesFullBatches() async throws {
        let store = InMemoryStore()
        let log = RequestLog(
            settings: RequestLogSettings(), store: store, clock: ManualClock(), logger: Logger(label: "test"))
        let writer = RequestLogWriter(log: log, interval: .seconds(3600), batchSize: 10, tick: .milliseconds(10))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for index in 0..<9 { log.requestFinished(record(index)) }
            try await Task.sleep(for: .milliseconds(300))
            #expect(log.pendingCount == 9)
            log.requestFinished(record(9))
            let deadline = ContinuousClock.now + .seconds(20)
            while log.pendingCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            #expect(log.pendingCount == 0)
            #expect(try await store.requestLog(RequestFilter(), limit: 20, before: nil).count == 10)
            group.cancelAll()
        }
    }

    @Test("the default limit holds more than a second of full load")
    func defaultLimit() {
        let log = RequestLog(
            settings: RequestLogSettings(), store: InMemoryStore(), clock: ManualClock(), logger: Logger(label: "test"))
        #expect(log.pendingLimit >= 100_000)
    }
}
