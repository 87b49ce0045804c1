import Crypto
import Foundation

/// Makes and hashes client tokens.
public enum ClientTokenFactory {
    /// Characters a token is drawn from (62 symbols).
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// A new token (`sk-` + 48 characters from the system CSPRNG) and the record that stores only its hash.
    public static func make(
        name: String, createdAt: Date, expiresAt: Date?, provider: ProviderID?, policy: TokenPolicy = TokenPolicy()
    ) -> (token: String, record: ClientTokenRecord) {
        var generator = SystemRandomNumberGenerator()
        let body = String((0..<48).map { _ in alphabet.randomElement(using: &generator)! })
        let token = "sk-" + body
        let record = ClientTokenRecord(
            id: "tok_" + RandomText.hex(count: 12),
            name: name,
            tokenHash: hash(token),
            prefix: String(token.prefix(10)),
            createdAt: createdAt,
            expiresAt: expiresAt,
            provider: provider,
            policy: policy
        )
        return (token, record)
    }

    /// Lowercase hex SHA-256 of a presented token.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexString
    }
}
