import Foundation
import Logging
import PoolCore
import PoolStore

/// Publishes key health that this instance's traffic or probes decided (a 401, a 429's cooldown, a disable, a
/// probe's verdict) within about `interval`, rather than with the next statistics flush: every instance on the
/// database then stops using a revoked or rate-limited key within a second. The store merges it with what other
/// instances decided (`KeyHealth.merge`) and logs it for their change feeds. A probe's verdict that lifts a penalty
/// (`KeyPool.takeLiftedHealth`) replaces instead, as an admin's change does.
///
/// What fails to reach the store waits (the newest health per key) and goes with the next attempt, after a
/// back-off of up to `maximumBackoff` while the store is away.
struct HealthPublisher: Sendable {
    let pool: KeyPool
    let store: any PoolStore
    let logger: Logger
    var interval: Duration = .milliseconds(50)
    var maximumBackoff: Duration = .seconds(2)

    func run() async {
        let outage = StoreOutageLog(logger: logger, what: "publishing key health")
        var pending: [String: KeyHealthRecord] = [:]
        var lifted: [String: KeyHealthRecord] = [:]
        var pause = interval
        while (try? await Task.sleep(for: pause)) != nil {
            for record in pool.takeLiftedHealth() {
                lifted[record.keyID] = record
                pending[record.keyID] = nil
            }
            for record in pool.takeChangedHealth() {
                pending[record.keyID] = record
                lifted[record.keyID] = nil
            }
            guard !pending.isEmpty || !lifted.isEmpty else {
                pause = interval
                continue
            }
            do {
                if !lifted.isEmpty {
                    try await store.updateKeyHealth(lifted.keys.sorted().map { lifted[$0]! })
                    lifted = [:]
                }
                if !pending.isEmpty {
                    try await store.write(StatsBatch(keyHealth: pending.keys.sorted().map { pending[$0]! }))
                }
                pending = [:]
                pause = interval
                outage.succeeded()
            } catch {
                outage.failed(error)
                pause = min(pause * 2, maximumBackoff)
            }
        }
        // What is left is written once more at the end (the last statistics flush takes what came after).
        if !lifted.isEmpty { try? await store.updateKeyHealth(Array(lifted.values)) }
        if !pending.isEmpty { try? await store.write(StatsBatch(keyHealth: Array(pending.values))) }
    }
}
