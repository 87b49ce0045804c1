import PoolCore
import Testing

@Suite("Token digests")
struct TokenDigestTests {
    @Test("a presented token's digest is the stored hex hash's, for tokens of every length and script")
    func presentedMatchesStored() {
        let tokens = ["", "a", "sk-" + String(repeating: "x", count: 48), String(repeating: "é", count: 40), "🔑 key"]
        for token in tokens {
            #expect(TokenDigest(presented: token) == TokenDigest(hex: ClientTokenFactory.hash(token)))
            #expect(TokenDigest(hex: ClientTokenFactory.hash(token).uppercased()) == TokenDigest(presented: token))
        }
        #expect(TokenDigest(presented: "a") != TokenDigest(presented: "b"))
        // Differ only in the last word.
        let digests = Set((0..<1000).map { TokenDigest(presented: "sk-\($0)") })
        #expect(digests.count == 1000)
    }

    @Test("text that is no SHA-256 in hex is no digest")
    func malformedHex() {
        #expect(TokenDigest(hex: "") == nil)
        #expect(TokenDigest(hex: String(repeating: "a", count: 62)) == nil)
        #expect(TokenDigest(hex: String(repeating: "a", count: 66)) == nil)
        #expect(TokenDigest(hex: String(repeating: "g", count: 64)) == nil)
    }

    @Test("a record whose hash is malformed is kept and listed but matches no presented token")
    func malformedRecordIgnored() {
        let registry = TokenRegistry(clock: ManualClock())
        let (token, record) = ClientTokenFactory.make(
            name: "t", createdAt: ManualClock().now, expiresAt: nil, provider: nil)
        var broken = record
        broken.tokenHash = "not-a-hash"
        registry.load([broken])
        #expect(registry.count == 1)
        #expect(registry.entry(id: record.id)?.record.tokenHash == "not-a-hash")
        #expect(throws: TokenRegistry.Rejection.unknown) { try registry.authorize("not-a-hash", provider: .ollama).get() }
        #expect(throws: TokenRegistry.Rejection.unknown) { try registry.authorize(token, provider: .ollama).get() }
        registry.upsert(record)
        #expect(registry.count == 1)
        #expect((try? registry.authorize(token, provider: .ollama).get())?.record.id == record.id)
    }

    @Test("a connection's memo gives each presented token its own digest, the same one again or after another")
    func memoFollowsTheToken() {
        var memo = TokenDigestMemo()
        let tokens = ["sk-a", "sk-a", "sk-b", "sk-a", "", "sk-a" + String(repeating: "x", count: 60), "sk-ab", "sk-a"]
        for token in tokens {
            #expect(memo.digest(of: token) == TokenDigest(presented: token), "\(token)")
        }
    }

    @Test("through a memo, a token removed from the registry is refused on the next request")
    func memoDoesNotOutliveRevocation() {
        let clock = ManualClock()
        let registry = TokenRegistry(clock: clock)
        let (token, record) = ClientTokenFactory.make(name: "t", createdAt: clock.now, expiresAt: nil, provider: nil)
        registry.load([record])
        var memo = TokenDigestMemo()
        #expect((try? registry.authorize(token, provider: .ollama, memo: &memo).get())?.record.id == record.id)
        registry.remove(id: record.id)
        #expect(throws: TokenRegistry.Rejection.unknown) {
            try registry.authorize(token, provider: .ollama, memo: &memo).get()
        }
        #expect(throws: TokenRegistry.Rejection.missing) {
            try registry.authorize("", provider: .ollama, memo: &memo).get()
        }
    }
}
