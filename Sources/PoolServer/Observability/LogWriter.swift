import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes finished log lines to a file descriptor (standard error) from a serial queue of its own, so that a
/// logging call never waits on the descriptor: swift-log's `StreamLogHandler` writes and flushes stderr on the
/// caller's thread, and a slow reader of stderr (a full pipe to journald or a container runtime) would then stall
/// the event loop that logged. Lines queue up to ``capacityBytes``; past that they are dropped and counted, and a
/// line saying how many were dropped follows once the writer catches up. Order is kept.
final class LogWriter: Sendable {
    /// The process's standard error, shared by every handler the gateway's logging bootstrap makes.
    static let standardError = LogWriter(descriptor: 2)

    /// Most bytes waiting to be written before new lines are dropped (a burst of a few thousand lines fits).
    let capacityBytes: Int
    private let descriptor: Int32
    private let queue = DispatchQueue(label: "ollama-pool.log-writer")
    private let queuedBytes = Atomic<Int>(0)
    private let dropped = Atomic<Int>(0)
    /// Formats the notice about dropped lines in the process's log format (set by the bootstrap).
    private let droppedNotice = Mutex<@Sendable (Int) -> String>({ "log writer: \($0) log lines dropped\n" })

    init(descriptor: Int32, capacityBytes: Int = 4 << 20) {
        self.descriptor = descriptor
        self.capacityBytes = capacityBytes
    }

    /// Sets how the notice about dropped lines reads (one whole line, newline included).
    func setDroppedNotice(_ notice: @escaping @Sendable (Int) -> String) {
        droppedNotice.withLock { $0 = notice }
    }

    /// Queues `line` (newline included) and returns at once; drops it when the queue is full.
    func write(_ line: String) {
        let size = line.utf8.count
        let before = queuedBytes.add(size, ordering: .relaxed).oldValue
        guard before + size <= capacityBytes || before == 0 else {
            queuedBytes.subtract(size, ordering: .relaxed)
            // The first drop since the last notice queues the notice (a closure, no line): it is written after
            // what was queued before, and counts every line dropped until it runs.
            if dropped.add(1, ordering: .relaxed).oldValue == 0 {
                queue.async { [self] in
                    let lost = dropped.exchange(0, ordering: .relaxed)
                    if lost > 0 { writeAll(droppedNotice.withLock { $0 }(lost)) }
                }
            }
            return
        }
        queue.async { [self] in
            writeAll(line)
            queuedBytes.subtract(size, ordering: .relaxed)
        }
    }

    /// Waits until every line queued so far is written, or `timeout` passes (a blocked descriptor must not keep
    /// the process from exiting). Returns whether everything was written.
    @discardableResult
    func flush(timeout: Duration = .seconds(2)) -> Bool {
        let done = DispatchSemaphore(value: 0)
        queue.async { done.signal() }
        let nanoseconds = timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000
        return done.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success
    }

    private func writeAll(_ line: String) {
        var line = line
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0, errno == EINTR {
                    continue
                } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    // A descriptor someone made non-blocking: wait until it takes more (this is the writer's
                    // own queue, not an event loop).
                    var ready = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 1000)
                } else {
                    return  // closed or broken: nothing to do with a log line
                }
            }
        }
    }
}

/// `write(2)`; named apart, since inside ``LogWriter`` `write` is its own method.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafePointer<UInt8>, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}

/// A `TextOutputStream` over a ``LogWriter``, for swift-log's `StreamLogHandler` (the text format): each
/// `write` it makes is one whole line.
struct LogWriterStream: TextOutputStream, Sendable {
    let writer: LogWriter

    mutating func write(_ string: String) {
        writer.write(string)
    }
}
