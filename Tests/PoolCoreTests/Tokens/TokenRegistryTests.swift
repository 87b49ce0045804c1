import Foundation
import PoolCore
import Testing

@Suite("Client tokens")
struct TokenRegistryTests {
    let clock = ManualClock()

    @Test("tokens are sk- plus 48 characters and only their hash is kept")
    func shape() {
        let (token, record) = ClientTokenFactory.make(name: "t", createdAt: clock.now, expiresAt: nil, provider: nil)
        #expect(token.hasPrefix("sk-") && token.count == 51)
        #expect(token.dropFirst(3).allSatisfy { $0.isLetter || $0.isNumber })
        #expect(record.tokenHash == ClientTokenFactory.hash(token))
        #expect(record.tokenHash.count == 64)
        #expect(!record.tokenHash.contains(String(token.dropFirst(3))))
        #expect(token.hasPrefix(record.prefix))
        let other = ClientTokenFactory.make(name: "t", createdAt: clock.now, expiresAt: nil, provider: nil).token
        #expect(other != token)
    }

    @Test("authorization checks presence, identity, expiry and provider scope")
    func authorization() {
        let registry = TokenRegistry(clock: clock)
        let (open, openRecord) = ClientTokenFactory.make(
            name: "open", createdAt: clock.now, expiresAt: nil, provider: nil)
        let (scoped, scopedRecord) = ClientTokenFactory.make(
            name: "scoped", createdAt: clock.now, expiresAt: nil, provider: .openrouter)
        let (expiring, expiringRecord) = ClientTokenFactory.make(
            name: "exp", createdAt: clock.now, expiresAt: clock.now.addingTimeInterval(5), provider: nil)
        registry.load([openRecord, scopedRecord, expiringRecord])

        #expect(registry.authorize(nil, provider: .ollama).failureValue == .missing)
        #expect(registry.authorize("sk-nope", provider: .ollama).failureValue == .unknown)
        #expect(registry.authorize(open, provider: .ollama).failureValue == nil)
        #expect(registry.authorize(scoped, provider: .ollama).failureValue == .wrongProvider(.openrouter))
        #expect(registry.authorize(scoped, provider: .openrouter).failureValue == nil)
        #expect(registry.authorize(expiring, provider: .ollama).failureValue == nil)
        clock.advance(by: 5)
        #expect(registry.authorize(expiring, provider: .ollama).failureValue == .expired)
        #expect(registry.remove(id: openRecord.id))
        #expect(registry.authorize(open, provider: .ollama).failureValue == .unknown)
    }

    @Test("accepted requests are counted and drained once")
    func counting() {
        let registry = TokenRegistry(clock: clock)
        let (token, record) = ClientTokenFactory.make(name: "n", createdAt: clock.now, expiresAt: nil, provider: nil)
        registry.add(record)
        for _ in 0..<3 { _ = registry.authorize(token, provider: .ollama) }
        let changed = registry.takeChangedCounts()
        #expect(changed.count == 1 && changed[0].count == 3)
        #expect(registry.takeChangedCounts().isEmpty)
    }

    @Test(
        "masking never shows a whole secret",
        arguments: ["", "short", "twelve-chars", "ollama-abcdefghijklmnopqrstuvwxyz"])
    func masking(secret: String) {
        let masked = SecretMask.mask(secret)
        if secret.count > 4 { #expect(!masked.contains(secret)) }
        if secret.count >= 16 { #expect(masked == "olla…wxyz") }
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
