import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import PoolCore
import Testing

@testable import PoolServer

/// The heads `RequestLimitsMiddleware` refuses before routing are counted by `ErrorDialectMiddleware`, for proxied
/// routes only, over a real socket (`.live`).
@Suite("Proxy: refusals at the edge in the statistics")
struct EdgeRefusalStatsTests {
    @Test("431 and 414 on proxied routes count as limit refusals of their provider; other paths count nothing")
    func limitRefusals() async throws {
        let traffic = TrafficCounters()
        var limits = GatewayConfiguration.Limits()
        limits.maxHeaderBytes = 2048
        limits.maxURIBytes = 256
        let router = Router(context: GatewayRequestContext.self)
        router.add(
            middleware: ErrorDialectMiddleware(
                maxBodyBytes: limits.maxBodyBytes, stats: StatsRecorder(traffic: traffic, clock: SystemClock())))
        router.add(middleware: RequestLimitsMiddleware(limits: limits))
        for path in ["v1/chat/completions", "openrouter/v1/models", "api/tags", "health"] {
            router.get(RouterPath(path)) { _, _ in "ok" }
        }
        let big: HTTPFields = [HTTPField.Name("x-big")!: String(repeating: "a", count: 3000)]
        try await Application(router: router).test(.live) { client in
            for path in ["/v1/chat/completions", "/api/tags", "/health", "/v1/not-a-route"] {
                let response = try await client.execute(uri: path, method: .get, headers: big)
                #expect(response.status == .requestHeaderFieldsTooLarge)
            }
            let longURI = "/openrouter/v1/models?" + String(repeating: "q", count: 300)
            #expect(try await client.execute(uri: longURI, method: .get).status == .uriTooLong)
            #expect(try await client.execute(uri: "/v1/chat/completions", method: .get).status == .ok)
        }
        #expect(
            traffic.totals(provider: .ollama)
                == GlobalStatsRecord(
                    provider: .ollama, requests: 2, failures: 2, refusals: [.limits: 2]))
        #expect(
            traffic.totals(provider: .openrouter)
                == GlobalStatsRecord(
                    provider: .openrouter, requests: 1, failures: 1, refusals: [.limits: 1]))
    }

    @Test(
        "only the proxied routes map to a provider",
        arguments: [
            ("/v1/chat/completions", ProviderID.ollama), ("/v1/messages", .ollama), ("/ollama/v1/embeddings", .ollama),
            ("/openrouter/v1/chat/completions", .openrouter), ("/openrouter/v1/models", .openrouter),
            ("/api/chat", .ollama), ("/api/tags", .ollama),
        ] as [(String, ProviderID?)]
            + [
                ("/openrouter/v1/messages", nil), ("/v1/nope", nil), ("/api/nope", nil), ("/admin/stats", nil),
                ("/health", nil), ("/v1", nil), ("/", nil), ("", nil), ("//", nil),
            ]
            + [
                ("/v1//chat/completions", ProviderID.ollama), ("//api/tags/", .ollama), ("/api/chat?stream=1", .ollama),
                ("/openrouter/v1/models/", .openrouter), ("/v1/chat/completions/x", nil),
            ])
    func providerForPath(path: String, provider: ProviderID?) {
        #expect(ProxyRoutes.provider(forPath: path) == provider)
    }
}

@Suite("Proxy: every gateway error code has a statistics category")
struct ErrorCodeCategoryTests {
    @Test("the codes declared in GatewayError+Code.swift are exactly the codes RequestResult classifies by name")
    func everyCodeIsClassified() throws {
        // Read from the source, as scripts/openapi.py does, so a new code without a category fails here.
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/PoolServer/HTTP/GatewayError+Code.swift")
        let text = try String(contentsOf: source, encoding: .utf8)
        let declared = text.matches(of: /static let \w+ = Code\(rawValue: "([^"]+)"\)/).map { String($0.1) }
        #expect(declared.count >= 8)
        #expect(Set(declared) == RequestResult.knownCodes)
        #expect(GatewayError.Code.noUsableKey.rawValue == "no_usable_key")
    }
}
