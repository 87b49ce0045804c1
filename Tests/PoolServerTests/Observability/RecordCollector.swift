import Foundation
import PoolCore
import Synchronization

@testable import PoolServer

/// A request observer that keeps every record it is told of, for tests to read.
final class RecordCollector: RequestObserver {
    private let state = Mutex<(records: [RequestRecord], streamsStarted: [ProviderID])>(([], []))

    func streamStarted(provider: ProviderID) {
        state.withLock { $0.streamsStarted.append(provider) }
    }

    func requestFinished(_ record: RequestRecord) {
        state.withLock { $0.records.append(record) }
    }

    var records: [RequestRecord] { state.withLock { $0.records } }
    var streamsStarted: [ProviderID] { state.withLock { $0.streamsStarted } }

    /// The records once there are at least `count` (waiting at most `seconds`), then a little longer so that a
    /// record too many would show.
    func awaitRecords(_ count: Int, seconds: Int = 10) async throws -> [RequestRecord] {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while records.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Task.sleep(for: .milliseconds(100))
        return records
    }
}
