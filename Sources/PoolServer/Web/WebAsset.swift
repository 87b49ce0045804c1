import Crypto
import Foundation
import NIOCore

/// One file of the web front end, held in memory with what is needed to serve it.
struct WebAsset: Sendable {
    var body: ByteBuffer
    var contentType: String
    /// Strong validator: a hash of the bytes served, quoted.
    var etag: String
    /// HTML pages get the Content-Security-Policy and are revalidated on every load.
    var isPage: Bool
}
