import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP connection to the gateway on loopback, for requests an HTTP client would refuse to send
/// (broken framing, oversized heads) and for watching when the server closes the connection. Reads block, so
/// they run on a Dispatch thread: blocking Swift's cooperative pool would starve the server under test.
final class RawConnection: @unchecked Sendable {
    private let socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(socket)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(socket) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let written = bytes[sent...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { return }
            sent += written
        }
    }

    /// Everything the server sends until it closes the connection or `seconds` pass, and whether it closed.
    func readUntilClosed(seconds: Double) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.blockingRead(seconds: seconds)) }
        }
    }

    /// What the server sends until the text contains `marker` (e.g. the end of a known body), it closes the
    /// connection, or `seconds` pass.
    func read(until marker: String, seconds: Double) async -> (text: String, closed: Bool) {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: self.blockingRead(seconds: seconds, until: marker))
            }
        }
    }

    private func blockingRead(seconds: Double, until marker: String? = nil) -> (text: String, closed: Bool) {
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count == 0 { return (String(decoding: received, as: UTF8.self), true) }
            if count > 0 {
                received += buffer[..<count]
                if let marker, String(decoding: received, as: UTF8.self).contains(marker) {
                    return (String(decoding: received, as: UTF8.self), false)
                }
            }
        }
        return (String(decoding: received, as: UTF8.self), false)
    }
}
