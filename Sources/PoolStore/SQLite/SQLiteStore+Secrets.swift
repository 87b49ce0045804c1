import Foundation
import GRDB
import Logging
import PoolCore

/// Bringing stored secrets and their hashes in line with the configured `ENCRYPTION_KEY` at open.
extension SQLiteStore {
    /// Setting that records which scheme computed the `secret_hash` column: a cipher fingerprint or `sha256`.
    static let hashFingerprintSetting = "secret_hash_fingerprint"

    /// Rows read per page while rewriting secrets, so 100,000 keys never sit in memory at once.
    static let reconcilePageSize = 1_000

    /// Exact, case-sensitive prefix test (LIKE would ignore case).
    private static let sealedCondition =
        "substr(secret, 1, \(SecretCipher.sealedPrefix.count)) = '\(SecretCipher.sealedPrefix)'"

    func reconcileSecrets() throws {
        let (sealed, rehashed) = try pool.write { [cipher] db -> (Int, Int) in
            let sealedCount =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM keys WHERE \(Self.sealedCondition)") ?? 0
            let plainCount =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM keys WHERE NOT \(Self.sealedCondition)") ?? 0

            if let cipher, sealedCount > 0 {
                // Check one secret before touching anything: a wrong key must fail loudly, not rehash garbage.
                let sample = try String.fetchOne(
                    db, sql: "SELECT secret FROM keys WHERE \(Self.sealedCondition) LIMIT 1")
                _ = try cipher.open(sample ?? "")
            } else if cipher == nil, sealedCount > 0 {
                throw StoreError("the database holds encrypted secrets: set ENCRYPTION_KEY")
            }

            var sealed = 0
            if let cipher, plainCount > 0 {
                sealed = try Self.rewriteKeys(db, onlyPlain: true) { _, stored, _ in
                    (secret: try cipher.seal(stored), hash: nil)
                }
            }

            let scheme = cipher?.fingerprint ?? SecretCipher.plainHashFingerprint
            let stored = try String.fetchOne(
                db, sql: "SELECT value FROM settings WHERE name = ?", arguments: [Self.hashFingerprintSetting])
            var rehashed = 0
            if stored != scheme {
                rehashed = try Self.rewriteKeys(db, onlyPlain: false) { provider, storedSecret, baseURL in
                    let secret =
                        SecretCipher.isSealed(storedSecret)
                        ? try cipher?.open(storedSecret) ?? storedSecret
                        : storedSecret
                    let hash =
                        cipher?.keyHash(provider: provider, baseURL: baseURL, secret: secret)
                        ?? SecretCipher.plainKeyHash(provider: provider, baseURL: baseURL, secret: secret)
                    return (secret: nil, hash: hash)
                }
                try Self.storeSetting(Self.hashFingerprintSetting, value: scheme, db)
            }
            return (sealed, rehashed)
        }

        if sealed > 0 {
            logger.notice("encrypted plain secrets at rest", metadata: ["keys": "\(sealed)"])
            // Move the sealed pages into the main file and empty the WAL, so no page with the old plain
            // secrets stays behind in the -wal file (secure_delete has zeroed them in the new page images).
            do {
                _ = try pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            } catch {
                logger.warning(
                    "could not checkpoint after encrypting secrets", metadata: ["error": "\(Self.describe(error))"])
            }
        }
        if rehashed > 0 {
            logger.notice("recomputed duplicate-detection hashes (hash key changed)", metadata: ["keys": "\(rehashed)"])
        }
    }

    public func rotateSecrets(to newCipher: SecretCipher) async throws -> Int {
        let rewritten = try await pool.write { [cipher] db -> Int in
            let count = try Self.rewriteKeys(db, onlyPlain: false) { provider, stored, baseURL in
                let secret = try Self.openSecret(stored, cipher: cipher)
                return (
                    secret: try newCipher.seal(secret),
                    hash: newCipher.keyHash(provider: provider, baseURL: baseURL, secret: secret)
                )
            }
            try Self.storeSetting(Self.hashFingerprintSetting, value: newCipher.fingerprint, db)
            return count
        }
        // As after sealing plain rows: no page sealed under the old key stays behind in the -wal file.
        _ = try? await pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        logger.notice("re-encrypted the stored upstream keys under a new key", metadata: ["keys": "\(rewritten)"])
        return rewritten
    }

    /// Walks the keys table by rowid in pages and rewrites the columns `change` returns; `change` gets each row's
    /// provider, stored secret and base URL (the hash is over the key's identity, `KeyIdentity`).
    /// - Returns: the number of rows rewritten.
    private static func rewriteKeys(
        _ db: Database, onlyPlain: Bool,
        change: (ProviderID, String, String?) throws -> (secret: String?, hash: String?)
    ) throws -> Int {
        let filter = onlyPlain ? "AND NOT \(sealedCondition)" : ""
        let page = try db.makeStatement(
            sql: """
                SELECT rowid, provider, secret, base_url FROM keys WHERE rowid > ? \(filter)
                ORDER BY rowid LIMIT \(reconcilePageSize)
                """)
        let update = try db.makeStatement(
            sql: """
                UPDATE keys SET secret = coalesce(?, secret), secret_hash = coalesce(?, secret_hash) WHERE rowid = ?
                """)
        var lastRowID: Int64 = 0
        var rewritten = 0
        while true {
            // Paging (rather than one open cursor) keeps memory bounded and never reads rows it just updated.
            let rows = try Row.fetchAll(page, arguments: [lastRowID])
            guard let last = rows.last else { break }
            for row in rows {
                let (secret, hash) = try change(ProviderID(rawValue: row[1]), row[2], row[3])
                try update.execute(arguments: [secret, hash, row[0] as Int64])
                rewritten += 1
            }
            lastRowID = last[0]
        }
        return rewritten
    }
}
