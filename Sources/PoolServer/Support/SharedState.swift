import Synchronization

/// A value the concurrent tasks of one operation update together (a tally, a batch being filled).
/// A class around a `Mutex`, because a `Mutex` itself cannot be captured by the tasks' closures.
final class SharedState<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) {
        mutex = Mutex(value)
    }

    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        try mutex.withLock { try body(&$0) }
    }
}
