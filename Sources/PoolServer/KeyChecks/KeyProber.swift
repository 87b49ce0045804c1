import Foundation
import NIOCore
import NIOHTTP1
import PoolCore

/// Asks the upstream about one key at minimal cost, the one way every feature probes: validated imports,
/// `verify-key`, health checks and recovery. How is the provider definition's `probe`:
///
/// - `key_info(path)`: `GET {base}{path}` (OpenRouter's `/v1/key`), which spends nothing and reports label, limit
///   and usage.
/// - `chat(model)`: a 1-token `POST {base}{openai_path}/chat/completions`; after it passes, the model list tells
///   which models the key serves (as `models` reads it).
/// - `models`: `GET {base}/api/tags` for a provider that serves the Ollama dialect, else
///   `GET {base}{openai_path}/models`; the models are learned from either.
///
/// `{base}` is the key's own base URL (a self-hosted server) when it has one. The provider's header fields are
/// sent with every probe, and its first-byte timeout applies when it sets one.
///
/// Every probe holds a slot of the shared `ConcurrencyLimit` from its first request to its last, and gives up
/// after `PROBE_TIMEOUT`.
struct KeyProber: Sendable {
    let client: UpstreamClient
    let upstream: GatewayConfiguration.UpstreamSettings
    let checks: KeyCheckConfiguration
    let clock: any PoolClock
    let limit: ConcurrencyLimit
    /// The provider definitions probes follow.
    let providers: ProviderRegistry

    /// Largest probe answer read; a model list is the biggest, at a few kilobytes per hundred models.
    static let maxAnswerBytes = 4 * 1024 * 1024

    init(
        client: UpstreamClient, upstream: GatewayConfiguration.UpstreamSettings, checks: KeyCheckConfiguration,
        clock: any PoolClock, limit: ConcurrencyLimit? = nil, providers: ProviderRegistry? = nil
    ) {
        self.providers = providers ?? ProviderRegistry(builtIn: Self.builtIns(upstream: upstream, checks: checks))
        self.client = client
        self.upstream = upstream
        self.checks = checks
        self.clock = clock
        self.limit = limit ?? ConcurrencyLimit(limit: checks.concurrency)
    }

    /// Probes the key and, when it passes, learns what it can about it.
    /// - Throws: only `CancellationError`; every upstream trouble is an outcome.
    func inspect(secret: String, provider: ProviderID, baseURL: String? = nil) async throws -> ProbeReport {
        guard let definition = providers.upstream(for: provider) else {
            return ProbeReport(outcome: .upstreamError(reason: "unknown provider '\(provider)'"))
        }
        return try await limit.run {
            let timeout = checks.probeTimeout
            let report = try await Self.withTimeout(seconds: timeout) {
                try await inspectNow(secret: secret, provider: definition, baseURL: baseURL)
            }
            return report
                ?? ProbeReport(
                    outcome: .upstreamError(reason: "no answer within the probe timeout (\(Self.format(timeout)) s)"))
        }
    }

    /// Where one probe goes and what it sends besides the path.
    private struct Target {
        var provider: ProviderUpstream
        /// The key's own base URL, or the provider's.
        var baseURL: String
        var secret: String
    }

    private func inspectNow(secret: String, provider: ProviderUpstream, baseURL: String?) async throws -> ProbeReport {
        let target = Target(
            provider: provider, baseURL: ProviderRules.normalizedBaseURL(baseURL ?? provider.definition.baseURL),
            secret: secret)
        switch provider.definition.probe {
        case .keyInfo(let path):
            return try await probeKeyInfo(target, path: path)
        case .models:
            let (answer, models) = try await discoverModels(target)
            var report = report(for: answer)
            if report.outcome == .valid { report.models = models }
            return report
        case .chat(let model):
            let body = try JSONWriter.data(ChatProbe(model: model))
            let answer = try await send(
                target, method: .POST, path: provider.openAIPath + "/chat/completions", body: body)
            var report = report(for: answer)
            if report.outcome == .valid {
                let (list, models) = try await discoverModels(target)
                report.models = list.status == 200 ? models : nil
            }
            return report
        }
    }

    /// The model list: Ollama's `/api/tags` when the provider speaks the Ollama dialect, else the OpenAI-compatible
    /// `{openai_path}/models`.
    private func discoverModels(_ target: Target) async throws -> (Answer, [String]?) {
        if target.provider.definition.serves(.ollama) {
            let answer = try await send(target, method: .GET, path: "/api/tags")
            return (answer, Self.modelNames(answer.body))
        }
        let answer = try await send(target, method: .GET, path: target.provider.openAIPath + "/models")
        return (answer, Self.openAIModelIDs(answer.body))
    }

    private func probeKeyInfo(_ target: Target, path: String) async throws -> ProbeReport {
        let answer = try await send(target, method: .GET, path: path)
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

    private func send(_ target: Target, method: HTTPMethod, path: String, body: Data? = nil) async throws -> Answer {
        var request = UpstreamRequest(url: target.baseURL + path, method: method)
        // A self-hosted server without a secret gets no credentials.
        if !target.secret.isEmpty { request.headers.add(name: "authorization", value: "Bearer \(target.secret)") }
        request.headers.add(name: "accept", value: "application/json")
        for field in target.provider.headers { request.headers.add(name: field.name, value: field.value) }
        request.connectTimeout = target.provider.connectTimeout
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = ByteBuffer(bytes: body)
        }
        do {
            let answer = try await client.fetch(
                request, upTo: Self.maxAnswerBytes,
                firstByteTimeout: target.provider.firstByteTimeout ?? .milliseconds(Int64(checks.probeTimeout * 1000)))
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

    /// Model ids from the OpenAI-compatible `{"data":[{"id":…}]}`; nil when the answer is not such a list.
    static func openAIModelIDs(_ body: Data) -> [String]? {
        struct ModelList: Decodable {
            struct Model: Decodable { var id: String? }
            var data: [Model]
        }
        guard let list = try? JSONDecoder().decode(ModelList.self, from: body) else { return nil }
        var seen = Set<String>()
        return list.data.compactMap(\.id).filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The built-in providers as `upstream` and `checks` configure them (a prober made without a registry).
    static func builtIns(
        upstream: GatewayConfiguration.UpstreamSettings, checks: KeyCheckConfiguration
    ) -> [ProviderDefinition] {
        var configuration = GatewayConfiguration()
        configuration.upstream = upstream
        configuration.keyChecks = checks
        return configuration.builtInProviders
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
