import Crypto
import Foundation
import PoolCore

/// Encrypts upstream secrets at rest and computes the keyed hashes the store uses to spot duplicates.
///
/// Both keys come from one operator passphrase (`ENCRYPTION_KEY`) through HKDF, so the operator manages a
/// single value while encryption and hashing never share key material.
public struct SecretCipher: Sendable {
    /// Marks a stored secret as sealed by this scheme; the version lets a later scheme coexist during migration.
    public static let sealedPrefix = "enc:v1:"

    /// Scheme name stored as the hash fingerprint when no cipher is configured.
    public static let plainHashFingerprint = "sha256"

    private let encryptionKey: SymmetricKey
    private let hashKey: SymmetricKey

    /// Derives the encryption and hashing keys from the operator's passphrase.
    ///
    /// The salt is fixed on purpose: the same passphrase must yield the same keys on every start, or stored
    /// secrets could not be opened again. An empty passphrase is accepted but offers no protection; callers
    /// should treat an empty `ENCRYPTION_KEY` as unset.
    public init(passphrase: String) {
        let material = SymmetricKey(data: Data(passphrase.utf8))
        let salt = Data("ollama-api-pool/v1".utf8)
        encryptionKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material, salt: salt, info: Data("secret-encryption".utf8), outputByteCount: 32)
        hashKey = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: material, salt: salt, info: Data("secret-hash".utf8), outputByteCount: 32)
    }

    /// Encrypts a secret with AES-GCM under a fresh random nonce.
    /// - Returns: `enc:v1:` followed by the base64 of nonce, ciphertext and tag.
    public func seal(_ secret: String) throws -> String {
        let box = try AES.GCM.seal(Data(secret.utf8), using: encryptionKey)
        guard let combined = box.combined else {
            // Only happens with non-standard nonce sizes, which `seal` never picks.
            throw StoreError("could not encrypt a secret")
        }
        return Self.sealedPrefix + combined.base64EncodedString()
    }

    /// Decrypts a value produced by `seal(_:)`.
    /// - Throws: `StoreError` when the value is not sealed, is damaged, or was sealed under another passphrase.
    public func open(_ stored: String) throws -> String {
        guard Self.isSealed(stored) else {
            throw StoreError("a stored secret is not encrypted where an encrypted one was expected")
        }
        guard let combined = Data(base64Encoded: String(stored.dropFirst(Self.sealedPrefix.count))),
            let box = try? AES.GCM.SealedBox(combined: combined)
        else {
            throw StoreError("a stored secret is damaged (not valid enc:v1 data)")
        }
        let plain: Data
        do {
            plain = try AES.GCM.open(box, using: encryptionKey)
        } catch {
            // GCM cannot tell a wrong key from tampering; the wrong key is by far the likelier operator mistake.
            throw StoreError("ENCRYPTION_KEY does not match the one the database was written with")
        }
        guard let secret = String(data: plain, encoding: .utf8) else {
            throw StoreError("a stored secret is damaged (not UTF-8 after decryption)")
        }
        return secret
    }

    /// True when `stored` carries the sealed-secret prefix.
    public static func isSealed(_ stored: String) -> Bool {
        stored.hasPrefix(sealedPrefix)
    }

    /// Hex HMAC-SHA256 of provider and secret, for duplicate detection.
    ///
    /// Keyed so that a stolen database does not let anyone confirm a guessed secret by hashing it.
    public func secretHash(provider: ProviderID, secret: String) -> String {
        let input = Self.hashInput(provider: provider, secret: secret)
        let code = HMAC<SHA256>.authenticationCode(for: input, using: hashKey)
        return Array(code).hexString
    }

    /// Hex SHA-256 of provider and secret: the duplicate-detection hash when no cipher is configured.
    public static func plainSecretHash(provider: ProviderID, secret: String) -> String {
        SHA256.hash(data: hashInput(provider: provider, secret: secret)).hexString
    }

    /// The duplicate-detection hash of a key: `secretHash` over its provider and `KeyIdentity` (the secret alone
    /// for a key without its own base URL, so such keys hash exactly as they did before keys had one).
    public func keyHash(provider: ProviderID, baseURL: String?, secret: String) -> String {
        secretHash(provider: provider, secret: KeyIdentity.of(baseURL: baseURL, secret: secret))
    }

    /// `keyHash` without a cipher: `plainSecretHash` over the provider and `KeyIdentity`.
    public static func plainKeyHash(provider: ProviderID, baseURL: String?, secret: String) -> String {
        plainSecretHash(provider: provider, secret: KeyIdentity.of(baseURL: baseURL, secret: secret))
    }

    /// Identifies the hashing key without revealing it, so the store can tell whether its stored hashes were
    /// computed under the current passphrase.
    public var fingerprint: String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("fingerprint".utf8), using: hashKey)
        return String(Array(code).hexString.prefix(16))
    }

    private static func hashInput(provider: ProviderID, secret: String) -> Data {
        // The newline keeps ("ab", "c") and ("a", "bc") apart; neither part may contain one in practice.
        Data((provider.rawValue + "\n" + secret).utf8)
    }
}
