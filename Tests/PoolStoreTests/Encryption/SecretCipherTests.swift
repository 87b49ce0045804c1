import Foundation
import PoolCore
import PoolStore
import Testing

@Suite("Secret cipher")
struct SecretCipherTests {
    @Test("a sealed secret opens to the original and carries the enc:v1 prefix")
    func sealedSecretOpensToTheOriginal() throws {
        let cipher = SecretCipher(passphrase: "correct horse")
        let sealed = try cipher.seal("sk-upstream-secret-0123456789")
        #expect(sealed.hasPrefix("enc:v1:"))
        #expect(SecretCipher.isSealed(sealed))
        #expect(!sealed.contains("sk-upstream-secret"))
        #expect(try cipher.open(sealed) == "sk-upstream-secret-0123456789")
    }

    @Test("sealing the same secret twice gives different text, since every seal uses a fresh nonce")
    func sealingIsRandomised() throws {
        let cipher = SecretCipher(passphrase: "correct horse")
        #expect(try cipher.seal("same") != cipher.seal("same"))
    }

    @Test("opening with another passphrase fails with a clear message")
    func openingWithAnotherPassphraseFails() throws {
        let sealed = try SecretCipher(passphrase: "one").seal("secret")
        let error = #expect(throws: StoreError.self) { try SecretCipher(passphrase: "two").open(sealed) }
        #expect(error?.description == "ENCRYPTION_KEY does not match the one the database was written with")
    }

    @Test("opening damaged or unsealed text fails", arguments: ["enc:v1:!!!not-base64", "enc:v1:", "plain-secret"])
    func openingDamagedTextFails(_ stored: String) {
        #expect(throws: StoreError.self) { try SecretCipher(passphrase: "p").open(stored) }
    }

    @Test("the keyed hash is stable, depends on provider and passphrase, and is not the plain hash")
    func keyedHashProperties() {
        let cipher = SecretCipher(passphrase: "p")
        let hash = cipher.secretHash(provider: .ollama, secret: "s")
        #expect(hash == SecretCipher(passphrase: "p").secretHash(provider: .ollama, secret: "s"))
        #expect(hash.count == 64)
        #expect(hash != cipher.secretHash(provider: .openrouter, secret: "s"))
        #expect(hash != SecretCipher(passphrase: "q").secretHash(provider: .ollama, secret: "s"))
        #expect(hash != SecretCipher.plainSecretHash(provider: .ollama, secret: "s"))
    }

    @Test("the plain hash is the SHA-256 of provider, newline and secret")
    func plainHashIsSHA256() {
        // echo -n $'ollama\ns' | sha256sum
        #expect(
            SecretCipher.plainSecretHash(provider: .ollama, secret: "s")
                == ClientTokenFactory.hash("ollama\ns"))
    }

    @Test("the fingerprint is 16 hex digits, stable per passphrase and different across passphrases")
    func fingerprintIdentifiesThePassphrase() {
        let fingerprint = SecretCipher(passphrase: "p").fingerprint
        #expect(fingerprint.count == 16)
        #expect(fingerprint.allSatisfy { $0.isHexDigit })
        #expect(fingerprint == SecretCipher(passphrase: "p").fingerprint)
        #expect(fingerprint != SecretCipher(passphrase: "q").fingerprint)
    }
}
