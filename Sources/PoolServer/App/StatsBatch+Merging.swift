import Foundation
import Logging
import PoolCore
import PoolStore
import Synchronization

extension StatsBatch {
    /// This batch with `newer`'s records replacing this one's for the same key, token, provider or hour.
    func merged(with newer: StatsBatch) -> StatsBatch {
        func merge<T>(_ old: [T], _ new: [T], by key: (T) -> String) -> [T] {
            var byKey: [String: T] = [:]
            for record in old { byKey[key(record)] = record }
            for record in new { byKey[key(record)] = record }
            return Array(byKey.values)
        }
        return StatsBatch(
            keyStats: merge(keyStats, newer.keyStats) { $0.keyID },
            keyHealth: merge(keyHealth, newer.keyHealth) { $0.keyID },
            tokenRequestCounts: merge(tokenRequestCounts, newer.tokenRequestCounts) { $0.tokenID },
            globalStats: merge(globalStats, newer.globalStats) { $0.provider.rawValue },
            modelHours: merge(modelHours, newer.modelHours) { "\($0.provider.rawValue)\n\($0.model)\n\($0.hourStart)" }
        )
    }
}
