import Foundation
import PoolCore

/// `POST /admin/tokens`: the new client token, in full in this answer only.
struct TokenCreatedPayload: Encodable {
    var success = true
    /// The full token: shown in this answer only.
    var token: String
    var id: String
    var name: String
    var prefix: String
    var provider: String?
    var createdAt: Date
    var expiresAt: Date?

    init(token: String, record: ClientTokenRecord) {
        self.token = token
        id = record.id
        name = record.name
        prefix = record.prefix + "…"
        provider = record.provider?.rawValue
        createdAt = record.createdAt
        expiresAt = record.expiresAt
    }
}
