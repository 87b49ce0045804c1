import Foundation
import Synchronization

/// How far this instance has followed the store's change feed, for `/health`.
public final class ChangeFeedStatus: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The last revision this instance applied.
        public var appliedRevision: Int64
        /// The store's revision when last read.
        public var storeRevision: Int64
        /// The last catch-up that reached the store (nil: none since start).
        public var lastCatchUp: Date?
        /// The store could not be read at the last attempt.
        public var storeUnreachable: Bool
    }

    private let state: Mutex<Snapshot>

    init(loadedRevision: Int64, at now: Date) {
        state = Mutex(
            Snapshot(
                appliedRevision: loadedRevision, storeRevision: loadedRevision, lastCatchUp: now,
                storeUnreachable: false))
    }

    public var snapshot: Snapshot { state.withLock { $0 } }

    func caughtUp(applied: Int64, store: Int64, at now: Date) {
        state.withLock { state in
            state.appliedRevision = applied
            state.storeRevision = max(store, applied)
            state.lastCatchUp = now
            state.storeUnreachable = false
        }
    }

    func failed() {
        state.withLock { $0.storeUnreachable = true }
    }
}
