import Crypto
import Foundation

/// What a cached answer is filed under: who may read it (one token, or every `shared` token), the provider, the
/// route, and the SHA-256 of the exact request body.
public struct ResponseCacheKey: Sendable, Hashable {
    /// A token id, or ``sharedScope``.
    public let scope: String
    public let provider: ProviderID
    public let route: String
    let digest: SHA256Digest

    /// The scope of answers shared among tokens whose policy says `cache_scope: "shared"`.
    public static let sharedScope = "*shared*"

    public init(tokenID: String, shared: Bool, provider: ProviderID, route: String, body: some DataProtocol) {
        scope = shared ? Self.sharedScope : tokenID
        self.provider = provider
        self.route = route
        digest = SHA256.hash(data: body)
    }
}

/// A cached upstream answer: status 200, the headers worth replaying and the body.
public struct CachedResponse: Sendable, Equatable {
    public var headers: [HeaderField]
    public var body: [UInt8]

    /// One header field.
    public struct HeaderField: Sendable, Equatable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public init(headers: [HeaderField], body: [UInt8]) {
        self.headers = headers
        self.body = body
    }

    /// What the entry costs against `RESPONSE_CACHE_BYTES`: body, headers and a fixed overhead for the key.
    var cost: Int {
        body.count + headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 16 } + 160
    }
}
