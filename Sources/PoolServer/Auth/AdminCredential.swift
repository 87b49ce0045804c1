import Crypto
import Foundation
import PoolCore
import PoolStore

/// The admin token, held only as its SHA-256 and compared in constant time.
public struct AdminCredential: Sendable {
    static let settingName = "admin_token_sha256"
    private let digest: [UInt8]

    init(token: String) {
        digest = Array(SHA256.hash(data: Data(token.utf8)))
    }

    init?(storedHex: String) {
        guard let bytes = [UInt8](hexString: storedHex), bytes.count == 32 else { return nil }
        digest = bytes
    }

    /// True when `presented` is the admin token. Both sides are hashed first, so the comparison takes the same
    /// time whatever the presented length, and it never stops at the first differing byte.
    func verify(_ presented: String) -> Bool {
        let candidate = Array(SHA256.hash(data: Data(presented.utf8)))
        var difference: UInt8 = 0
        for index in 0..<32 { difference |= candidate[index] ^ digest[index] }
        return difference == 0
    }

    /// The credential to use: the configured token, else the stored hash, else a newly generated token that is
    /// printed once to stderr and stored only as a hash.
    static func resolve(
        configured: String?, store: any PoolStore, announce: (String) -> Void
    ) async throws -> AdminCredential {
        if let configured { return AdminCredential(token: configured) }
        if let stored = try await store.setting(settingName), let credential = AdminCredential(storedHex: stored) {
            return credential
        }
        let token =
            "adm-"
            + ClientTokenFactory.make(name: "", createdAt: Date(), expiresAt: nil, provider: nil).token.dropFirst(3)
        try await store.setSetting(settingName, value: SHA256.hash(data: Data(token.utf8)).hexString)
        announce(token)
        return AdminCredential(token: token)
    }
}
