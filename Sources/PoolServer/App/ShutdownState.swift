import Synchronization

/// Where this process is in its shutdown, for `/health/ready`: draining from the first SIGTERM/SIGINT (or any
/// graceful shutdown) on, while the listener may still accept for `SHUTDOWN_DELAY_SECONDS`.
public final class ShutdownState: Sendable {
    private let draining = Atomic<Bool>(false)

    public init() {}

    /// Whether a shutdown has begun: the instance should get no new traffic.
    public var isDraining: Bool { draining.load(ordering: .acquiring) }

    /// Marks the shutdown begun; returns false when it already was.
    @discardableResult
    public func beginDraining() -> Bool {
        !draining.exchange(true, ordering: .acquiringAndReleasing)
    }
}
