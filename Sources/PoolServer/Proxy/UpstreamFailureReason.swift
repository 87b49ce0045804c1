import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import PoolCore

/// Short, secret-free descriptions of transport failures.
enum UpstreamFailureReason {
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded: return "no answer within the first-byte timeout"
            case .readTimeout: return "the upstream went silent longer than the idle timeout"
            case .connectTimeout: return "connect timeout"
            case .remoteConnectionClosed: return "the upstream closed the connection"
            default: return "transport error: \(error.shortDescription)"
            }
        }
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
