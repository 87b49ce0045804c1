import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import PoolCore

/// Short, secret-free descriptions of transport failures, and which of them are the gateway's own.
enum UpstreamFailureReason {
    /// Errors that say this machine is out of a resource (descriptors, buffers, memory), not that the upstream
    /// or the key failed: counting them against keys would disable a healthy pool under a connection flood.
    static let localResourceErrors: Set<Int32> = [EMFILE, ENFILE, ENOBUFS, ENOMEM, EADDRNOTAVAIL]

    /// The local resource error behind `error`, if that is what it is (also inside a failed connect attempt).
    static func localResourceExhaustion(_ error: any Error) -> Int32? {
        switch error {
        case let error as IOError where localResourceErrors.contains(error.errnoCode):
            return error.errnoCode
        case let error as NIOConnectionError:
            let codes = error.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if let code = codes.first(where: localResourceErrors.contains) { return code }
            return error.dnsAError.flatMap(localResourceExhaustion)
                ?? error.dnsAAAAError.flatMap(localResourceExhaustion)
        default:
            return nil
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? UpstreamError {
            switch error {
            case .firstByteTimeout: return "no answer within the first-byte timeout"
            case .idleTimeout: return "the upstream went silent longer than the idle timeout"
            case .remoteClosed: return "the upstream closed the connection"
            case .bodyTooLarge(let limit): return "the answer is larger than \(limit) bytes"
            case .invalidURL: return "the upstream URL is not an http(s) URL"
            case .cancelled: return "cancelled"
            case .shutDown: return "the gateway is shutting down"
            }
        }
        if case ChannelError.connectTimeout = error { return "connect timeout" }
        if error is NIOSSLError || error is BoringSSLError { return "TLS handshake with the upstream failed" }
        if error is NIOConnectionError || error is ChannelError { return "could not connect to the upstream" }
        if let error = error as? IOError {
            let text = String(cString: strerror(error.errnoCode)).lowercased()
            switch error.errnoCode {
            case ECONNREFUSED, EHOSTUNREACH, ENETUNREACH, ETIMEDOUT:
                return "could not connect to the upstream (\(text))"
            default: return "I/O error (\(text))"
            }
        }
        return "transport error: \(String(describing: type(of: error)))"
    }
}
