import Foundation
import PoolCore

/// `POST /admin/tokens`: the new client token, in full in this answer only, with its policy fields.
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
    /// Written beside the fields above, under the API's names.
    var policy: TokenPolicy

    init(token: String, record: ClientTokenRecord) {
        self.token = token
        id = record.id
        name = record.name
        prefix = record.prefix + "…"
        provider = record.provider?.rawValue
        createdAt = record.createdAt
        expiresAt = record.expiresAt
        policy = record.policy
    }

    enum CodingKeys: String, CodingKey {
        case success, token, id, name, prefix, provider, createdAt, expiresAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(success, forKey: .success)
        try container.encode(token, forKey: .token)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(prefix, forKey: .prefix)
        try container.encodeIfPresent(provider, forKey: .provider)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encodeIfPresent(expiresAt, forKey: .expiresAt)
        try policy.encode(to: encoder)
    }
}
