import Foundation
import NIOCore
import NIOHTTP1
import PoolCore

/// Asks the upstream about one key at minimal cost, the one way every feature probes: validated imports,
/// `verify-key`, health checks and recovery.
///
/// - OpenRouter: `GET {base}/v1/key`, which spends nothing and reports label, limit and usage.
/// - Ollama: a 1-token chat with the probe model, or the model list (`OLLAMA_PROBE`); after a passing probe
///   the model list (`GET {base}/api/tags`) tells which models the key serves.
///
/// Every probe holds a slot of the shared `ConcurrencyLimit` from its first request to its last, and gives up
/// after `PROBE_TIMEOUT`.
struct KeyProber: Sendable {
    let client: UpstreamClient
    let upstream: GatewayConfiguration.UpstreamSettings
    let checks: KeyCheckConfiguration
    let clock: any PoolClock
    let limit: ConcurrencyLimit

    /// Largest probe answer read; a model list is the biggest, at a few kilobytes per hundred models.
    static let maxAnswerBytes = 4 * 1024 * 1024

    init(
        client: UpstreamClient, upstream: GatewayConfiguration.UpstreamSettings, checks: KeyCheckConfiguration,
        clock: any PoolClock, limit: ConcurrencyLimit? = nil
    ) {
        self.client = client
        self.upstream = upstream
        self.checks = checks
        self.clock = clock
        self.limit = limit ?? ConcurrencyLimit(limit: checks.concurrency)
    }

    /// Probes the key and, when it passes, learns what it can about it.
    /// - Throws: only `CancellationError`; every upstream trouble is an outcome.
    func inspect(secret: String, provider: ProviderID) async throws -> ProbeReport {
        try await limit.run {
            let timeout = checks.probeTimeout
            let report = try await Self.withTimeout(seconds: timeout) {
                try await inspectNow(secret: secret, provider: provider)
            }
            return report
                ?? ProbeReport(
                    outcome: .upstreamError(reason: "no answer within the probe timeout (\(Self.format(timeout)) s)"))
        }
    }

    private func inspectNow(secret: String, provider: ProviderID) async throws -> ProbeReport {
        if provider == .openrouter {
            return try await probeOpenRouter(secret: secret)
        }
        if checks.ollamaProbe == .models {
            let answer = try await send(secret: secret, provider: provider, method: .GET, path: "/api/tags")
            var report = report(for: answer)
            if report.outcome == .valid { report.models = Self.modelNames(answer.body) }
            return report
        }
        let body = try JSONWriter.data(ChatProbe(model: checks.ollamaProbeModel))
        let answer = try await send(
            secret: secret, provider: provider, method: .POST, path: "/v1/chat/completions", body: body)
        var report = report(for: answer)
        if report.outcome == .valid {
            let tags = try await send(secret: secret, provider: provider, method: .GET, path: "/api/tags")
            report.models = tags.status == 200 ? Self.modelNames(tags.body) : nil
        }
        return report
    }

    private func probeOpenRouter(secret: String) async throws -> ProbeReport {
        let answer = try await send(secret: secret, provider: .openrouter, method: .GET, path: "/v1/key")
        var report = report(for: answer)
        guard report.outcome == .valid else { return report }
        report.credit = Self.credit(answer.body, at: clock.now)
        // A key whose own limit is used up gets 402 on every request, though asking about it still works.
        if report.credit?.isExhausted == true { report.outcome = .outOfCredit }
        return report
    }

    // MARK: HTTP

    private enum Answer {
        case answered(status: Int, retryAfter: String?, body: Data)
        case failed(reason: String)

        var status: Int? {
            if case .answered(let status, _, _) = self { return status }
            return nil
        }

        var body: Data {
            if case .answered(_, _, let body) = self { return body }
            return Data()
        }
    }

    private func send(
        secret: String, provider: ProviderID, method: HTTPMethod, path: String, body: Data? = nil
    ) async throws -> Answer {
        var request = UpstreamRequest(url: upstream.baseURL(for: provider) + path, method: method)
        request.headers.add(name: "authorization", value: "Bearer \(secret)")
        request.headers.add(name: "accept", value: "application/json")
        if provider == .openrouter {
            if let referer = upstream.openRouterReferer { request.headers.add(name: "HTTP-Referer", value: referer) }
            if let title = upstream.openRouterTitle { request.headers.add(name: "X-Title", value: title) }
        }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = ByteBuffer(bytes: body)
        }
        do {
            let answer = try await client.fetch(
                request, upTo: Self.maxAnswerBytes, firstByteTimeout: .milliseconds(Int64(checks.probeTimeout * 1000)))
            return .answered(
                status: Int(answer.status.code), retryAfter: answer.headers.first(name: "retry-after"),
                body: Data(answer.body.readableBytesView)
            )
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            return .failed(reason: UpstreamFailureReason.describe(error))
        }
    }

    private func report(for answer: Answer) -> ProbeReport {
        switch answer {
        case .answered(let status, let retryAfter, _):
            return ProbeReport(
                outcome: .classify(status: status, retryAfter: retryAfter, now: clock.now), httpStatus: status)
        case .failed(let reason):
            return ProbeReport(outcome: .upstreamError(reason: reason))
        }
    }

    // MARK: Answers

    /// Model names from Ollama's `{"models":[{"name":…}]}`; nil when the answer is not such a list.
    static func modelNames(_ body: Data) -> [String]? {
        struct TagList: Decodable {
            struct Model: Decodable {
                var name: String?
                var model: String?
            }

            var models: [Model]
        }
        guard let list = try? JSONDecoder().decode(TagList.self, from: body) else { return nil }
        var seen = Set<String>()
        return list.models.compactMap { $0.name ?? $0.model }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The account facts of OpenRouter's `{"data":{label, limit, usage, limit_remaining, is_free_tier}}`.
    static func credit(_ body: Data, at now: Date) -> KeyCredit? {
        struct KeyInfo: Decodable {
            struct Details: Decodable {
                var label: String?
                var limit: Double?
                var usage: Double?
                var limitRemaining: Double?
                var isFreeTier: Bool?
            }

            var data: Details
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        guard let info = try? decoder.decode(KeyInfo.self, from: body) else { return nil }
        let details = info.data
        return KeyCredit(
            label: details.label, limit: details.limit, usage: details.usage, limitRemaining: details.limitRemaining,
            isFreeTier: details.isFreeTier, checkedAt: now
        )
    }

    // MARK: Timeout

    /// Runs `body`, giving up after `seconds`: nil then. A deadline on the request alone would not bound
    /// reading the answer.
    static func withTimeout<T: Sendable>(
        seconds: TimeInterval, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T? {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { return nil }
            return first
        }
    }

    private static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

/// The smallest chat request that proves a key can generate: one token.
private struct ChatProbe: Encodable {
    struct Message: Encodable {
        var role = "user"
        var content = "hi"
    }

    var model: String
    var messages = [Message()]
    var maxTokens = 1
}
