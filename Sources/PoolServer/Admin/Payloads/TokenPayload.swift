import Foundation
import PoolCore

/// A client token as lists show it: a prefix, never the token.
struct TokenPayload: Encodable {
    var id: String
    var name: String
    var prefix: String
    var provider: String?
    var createdAt: Date
    var expiresAt: Date?
    var expired: Bool
    var requestCount: Int

    init(_ entry: TokenRegistry.Entry, now: Date) {
        id = entry.record.id
        name = entry.record.name
        prefix = entry.record.prefix + "…"
        provider = entry.record.provider?.rawValue
        createdAt = entry.record.createdAt
        expiresAt = entry.record.expiresAt
        expired = entry.record.isExpired(at: now)
        requestCount = entry.requestCount
    }
}
