import Foundation
import PoolCore
import PostgresNIO

/// Bringing stored secrets and their hashes in line with `ENCRYPTION_KEY` at open, and moving them to a new key.
/// The same rules as SQLite's (`SQLiteStore+Secrets`), with a cipher always present.
extension PostgresStore {
    /// Rows read per page while rewriting secrets, so 100,000 keys never sit in memory at once.
    static let rewritePageSize = 1_000

    /// Exact, case-sensitive prefix test (LIKE would ignore case).
    static let sealedCondition =
        "substr(secret, 1, \(SecretCipher.sealedPrefix.count)) = '\(SecretCipher.sealedPrefix)'"

    /// Refuses a cipher that cannot open a stored secret, seals plain secrets (e.g. rows written by hand or by
    /// another tool), and recomputes every hash when the hash key changed since the last open.
    func reconcileSecrets() async throws {
        let (sealed, rehashed) = try await transaction { connection -> (Int, Int) in
            // Two instances starting together reconcile one after the other.
            try await connection.query(
                "SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: self.logger)
            let sample = try await connection.query(
                "SELECT secret FROM keys WHERE \(unescaped: Self.sealedCondition) LIMIT 1", logger: self.logger)
            for try await stored in sample.decode(String.self) {
                // A wrong key must fail loudly, not rehash garbage.
                _ = try self.cipher.open(stored)
            }
            // A plain row's hash is whatever its writer computed: recompute it under this key too.
            let sealed = try await self.rewriteKeys(connection, onlyPlain: true) { provider, stored, baseURL in
                (
                    secret: try self.cipher.seal(stored),
                    hash: self.cipher.keyHash(provider: provider, baseURL: baseURL, secret: stored)
                )
            }
            let stored = try await connection.query(
                "SELECT value FROM settings WHERE name = \(SQLiteStore.hashFingerprintSetting)", logger: self.logger)
            var storedScheme: String?
            for try await value in stored.decode(String.self) { storedScheme = value }
            var rehashed = 0
            if storedScheme != self.cipher.fingerprint {
                rehashed = try await self.rewriteKeys(connection, onlyPlain: false) { provider, storedSecret, baseURL in
                    let secret = try SQLiteStore.openSecret(storedSecret, cipher: self.cipher)
                    return (
                        secret: nil, hash: self.cipher.keyHash(provider: provider, baseURL: baseURL, secret: secret)
                    )
                }
                try await Self.storeSetting(
                    SQLiteStore.hashFingerprintSetting, value: self.cipher.fingerprint, connection, self.logger)
            }
            return (sealed, rehashed)
        }
        if sealed > 0 { logger.notice("encrypted plain secrets at rest", metadata: ["keys": "\(sealed)"]) }
        if rehashed > 0 {
            logger.notice("recomputed duplicate-detection hashes (hash key changed)", metadata: ["keys": "\(rehashed)"])
        }
    }

    /// Re-encrypts every secret under `newCipher` in one transaction. Instances still running with the old key
    /// cannot open what this writes: stop them first, as with SQLite.
    public func rotateSecrets(to newCipher: SecretCipher) async throws -> Int {
        try checkOpen()
        let rewritten = try await transaction { connection -> Int in
            let count = try await self.rewriteKeys(connection, onlyPlain: false) { provider, stored, baseURL in
                let secret = try SQLiteStore.openSecret(stored, cipher: self.cipher)
                return (
                    secret: try newCipher.seal(secret),
                    hash: newCipher.keyHash(provider: provider, baseURL: baseURL, secret: secret)
                )
            }
            try await Self.storeSetting(
                SQLiteStore.hashFingerprintSetting, value: newCipher.fingerprint, connection, self.logger)
            return count
        }
        logger.notice("re-encrypted the stored upstream keys under a new key", metadata: ["keys": "\(rewritten)"])
        return rewritten
    }

    /// Walks the keys by `seq` in pages and rewrites the columns `change` returns (nil keeps a column); `change`
    /// gets each row's provider, stored secret and base URL (the hash is over the key's `KeyIdentity`).
    /// - Returns: the number of rows rewritten.
    private func rewriteKeys(
        _ connection: PostgresConnection, onlyPlain: Bool,
        change: (ProviderID, String, String?) throws -> (secret: String?, hash: String?)
    ) async throws -> Int {
        let filter = onlyPlain ? "AND NOT \(Self.sealedCondition)" : ""
        var last: Int64 = 0
        var rewritten = 0
        while true {
            let rows = try await connection.query(
                """
                SELECT seq, provider, secret, base_url FROM keys WHERE seq > \(last) \(unescaped: filter)
                ORDER BY seq LIMIT \(Int64(Self.rewritePageSize))
                """, logger: logger)
            var seqs: [Int64] = []
            var secrets: [String] = []
            var hashes: [String] = []
            for try await (seq, provider, stored, baseURL) in rows.decode((Int64, String, String, String?).self) {
                let (secret, hash) = try change(ProviderID(rawValue: provider), stored, baseURL)
                seqs.append(seq)
                secrets.append(secret ?? "")
                hashes.append(hash ?? "")
            }
            guard let lastSeq = seqs.last else { break }
            try await connection.query(
                """
                UPDATE keys SET secret = CASE WHEN u.secret = '' THEN keys.secret ELSE u.secret END,
                                secret_hash = CASE WHEN u.hash = '' THEN keys.secret_hash ELSE u.hash END
                FROM unnest(\(seqs)::int8[], \(secrets)::text[], \(hashes)::text[]) AS u(seq, secret, hash)
                WHERE keys.seq = u.seq
                """, logger: logger)
            rewritten += seqs.count
            last = lastSeq
        }
        return rewritten
    }
}
