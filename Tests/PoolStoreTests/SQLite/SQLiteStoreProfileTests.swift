import Foundation
import PoolCore
import PoolStore
import Testing

@Suite("SQLite store: key profiles")
struct SQLiteStoreProfileTests {
    @Test("models, category and credit learned by probes are stored and loaded back")
    func profileRoundTrip() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            let first = makeKey("sk-profile-first-000")
            let second = makeKey("sk-profile-second-00", provider: .openrouter)
            _ = try await store.insertKeys([first, second])
            let credit = KeyCredit(
                label: "sk-or-v1-abc...xyz", limit: 10, usage: 2.5, limitRemaining: 7.5, isFreeTier: false,
                checkedAt: referenceDate
            )
            try await store.updateKeyProfiles([
                KeyProfileRecord(keyID: first.id, models: ["qwen3:8b", "qwen2.5:7b"], category: "qwen"),
                KeyProfileRecord(keyID: second.id, models: [], category: nil, credit: credit),
                KeyProfileRecord(keyID: "k_unknown", models: ["x"], category: "general"),
            ])
            try await store.close()

            let reopened = try openTestStore(in: folder)
            let keys = try await reopened.loadSnapshot().keys
            #expect(keys.count == 2)
            let loadedFirst = keys.first { $0.id == first.id }
            #expect(loadedFirst?.models == ["qwen3:8b", "qwen2.5:7b"])
            #expect(loadedFirst?.category == "qwen")
            #expect(loadedFirst?.credit == nil)
            #expect(keys.first { $0.id == second.id }?.credit == credit)
            try await reopened.close()
        }
    }

    @Test("keys inserted with a profile keep it")
    func insertWithProfile() async throws {
        try await withTemporaryDirectory { folder in
            let store = try openTestStore(in: folder)
            var key = makeKey("sk-inserted-profile-0", models: ["kimi-k2:1t"])
            key.category = "kimi"
            key.credit = KeyCredit(label: "main", limit: nil, usage: 0, checkedAt: referenceDate)
            _ = try await store.insertKeys([key])
            #expect(try await store.loadSnapshot().keys == [key])
            try await store.close()
        }
    }
}
