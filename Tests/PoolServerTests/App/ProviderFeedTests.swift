import Foundation
import PoolCore
import PoolStore
import Testing

@testable import PoolServer

@Suite("Providers: stored definitions at start and through the change feed")
struct ProviderFeedTests {
    private static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("a stored provider is in the catalog at start, with its routes", arguments: SharedDatabase.tested)
    func loadedAtStart(database: SharedDatabase) async throws {
        try await database.with { openStore in
            let seeding = try await openStore()
            let acme = ProviderDefinition(
                name: ProviderID(rawValue: "acme"), baseURL: "https://acme.example", dialects: [.openai, .anthropic])
            try await seeding.saveProvider(acme)
            var override = ProviderPresets.openRouter(baseURL: "https://ignored.example", referer: nil, title: nil)
            override.aliases = ["fast": "openai/gpt-4o-mini"]
            try await seeding.saveProvider(override)
            try await seeding.close()
            let store = try await openStore()
            let gateway = try await Gateway.load(
                from: store, configuration: GatewayConfiguration(), logger: SharedDatabase.logger,
                announceAdminToken: { _ in })
            let catalog = gateway.providers.catalog
            #expect(catalog.names.map(\.rawValue) == ["ollama", "openrouter", "acme"])
            #expect(gateway.providers.source(of: ProviderID(rawValue: "acme")) == .store)
            // A built-in's override changes its editable fields only.
            #expect(catalog[.openrouter]?.baseURL == "https://openrouter.ai/api")
            #expect(catalog[.openrouter]?.aliases == ["fast": "openai/gpt-4o-mini"])
            let routes = gateway.providers.routes
            #expect(routes["acme/v1/chat/completions"]?.target == "/v1/chat/completions")
            #expect(routes["acme/v1/messages/count_tokens"] != nil)
            #expect(routes["acme/api/chat"] == nil)
            try await store.close()
        }
    }

    @Test(
        "a running instance applies another writer's providers, their removal, and keys' new placements",
        arguments: SharedDatabase.tested)
    func appliedByTheFeed(database: SharedDatabase) async throws {
        try await database.with { openStore in
            let seeding = try await openStore()
            let kept = KeyRecord(provider: .ollama, secret: "sk-placed-later-0001", createdAt: Self.now)
            _ = try await seeding.insertKeys([kept])
            try await seeding.close()
            let store = try await openStore()
            let gateway = try await Gateway.load(
                from: store, configuration: GatewayConfiguration(), logger: SharedDatabase.logger,
                announceAdminToken: { _ in })
            let feed = ChangeFeedService(gateway: gateway, interval: .seconds(1))
            let acmeName = ProviderID(rawValue: "acme")

            let other = try await openStore()
            try await other.saveProvider(
                ProviderDefinition(name: acmeName, baseURL: "https://acme.example/base", openAIPath: "/openai"))
            let acmeKey = KeyRecord(provider: acmeName, secret: "sk-acme-feed-0001", createdAt: Self.now)
            _ = try await other.insertKeys([acmeKey])
            try await other.updateKeyPlacements([
                KeyPlacementRecord(keyID: kept.id, placement: KeyPlacement(weight: 7, tier: 2))
            ])
            var reached = await feed.catchUp(from: gateway.loadedRevision)
            #expect(gateway.providers.catalog[acmeName]?.openAIPath == "/openai")
            #expect(gateway.providers.routes["acme/v1/chat/completions"]?.target == "/base/openai/chat/completions")
            #expect(gateway.pool.key(id: acmeKey.id) != nil)
            #expect(gateway.pool.view(id: kept.id)?.placement == KeyPlacement(weight: 7, tier: 2))

            #expect(try await other.deleteProvider(name: acmeName))
            reached = await feed.catchUp(from: reached)
            #expect(gateway.providers.catalog[acmeName] == nil)
            #expect(gateway.providers.routes["acme/v1/chat/completions"] == nil)
            try await other.close()
            try await store.close()
        }
    }
}
