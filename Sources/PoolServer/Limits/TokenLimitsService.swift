import Foundation
import Logging
import PoolCore
import PoolStore
import ServiceLifecycle

/// The token limits' work off the request path: writes the tokens' usage per UTC day to the store every
/// `flushInterval` (and once more at shutdown), so quotas survive a restart; with several instances it also
/// leases the budget slices the limiters ask for, every `leaseInterval`.
struct TokenLimitsService: Service {
    let tokens: TokenRegistry
    let store: any PoolStore
    let clock: any PoolClock
    let flushInterval: TimeInterval
    let leaseInterval: TimeInterval
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var lastFlush = ContinuousClock.now
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(Int(leaseInterval * 1000)))
                await leaseBudgets()
                if ContinuousClock.now - lastFlush >= .milliseconds(Int(flushInterval * 1000)) {
                    await flushUsage()
                    lastFlush = ContinuousClock.now
                }
            }
        }
        await flushUsage()
    }

    /// Writes the usage counted since the last flush; on failure it is put back for the next one.
    func flushUsage() async {
        let usage = tokens.takeUsage()
        guard !usage.isEmpty else { return }
        do {
            try await store.addTokenUsage(usage)
        } catch {
            tokens.restore(usage: usage)
            logger.warning("writing token usage failed; retrying", metadata: ["error": "\(error)"])
        }
    }

    /// Asks the store for the slices the limiters want (nothing with a single-process store).
    func leaseBudgets() async {
        guard case .leased = tokens.budgetMode else { return }
        let now = clock.now
        for entry in tokens.entries() {
            for request in entry.limiter.budgetRequests(now: now) {
                do {
                    entry.limiter.grant(try await store.leaseTokenBudget(tokenID: entry.record.id, request: request))
                } catch {
                    // Clears the pending mark so the next pass asks again.
                    entry.limiter.grant(
                        BudgetGrant(kind: request.kind, windowStart: request.windowStart, requested: 0, granted: 0))
                    logger.warning("leasing a token budget failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
