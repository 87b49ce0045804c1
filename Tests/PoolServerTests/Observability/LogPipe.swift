import Foundation

@testable import PoolServer

#if canImport(Glibc)
import Glibc
#endif

/// A ``LogWriter`` on the write end of a real pipe, and the lines that come out of the read end: what the
/// gateway's log handlers write to stderr, read back as a log collector would.
final class LogPipe: @unchecked Sendable {
    let writer: LogWriter
    private let readEnd: Int32
    private let writeEnd: Int32

    init(capacityBytes: Int = 4 << 20) {
        var ends: [Int32] = [0, 0]
        _ = pipe(&ends)
        readEnd = ends[0]
        writeEnd = ends[1]
        writer = LogWriter(descriptor: writeEnd, capacityBytes: capacityBytes)
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    /// Everything written so far: reads while the writer finishes what it has queued (it may be waiting on a full
    /// pipe).
    func drain() -> String {
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            text += readAvailable()
            if writer.flush(timeout: .milliseconds(50)) { break }
        }
        return text + readAvailable()
    }

    /// Reads what is in the pipe now without waiting for the writer (it may be blocked on a full pipe).
    func readAvailable() -> String {
        var flags = fcntl(readEnd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(readEnd, F_SETFL, flags)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += buffer[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every line as a JSON object; nil for a line that does not parse as one.
    static func objects(_ text: String) -> [[String: Any]?] {
        text.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }
}
