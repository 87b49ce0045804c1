import Foundation
import PoolCore
import Synchronization

extension InMemoryStore {
    /// Adds usage per token and UTC day.
    public func addTokenUsage(_ deltas: [TokenUsageDelta]) async throws {
        let known = tokenIDs()
        tokenLedger.state.withLock { ledger in
            for delta in deltas where known.contains(delta.tokenID) {
                let key = InMemoryTokenLedger.DayKey(tokenID: delta.tokenID, dayStart: delta.dayStart)
                ledger.usage[key, default: (0, 0)].requests += delta.requests
                ledger.usage[key, default: (0, 0)].tokens += delta.tokens
            }
        }
    }

    /// Each token's usage today, this month and in total.
    public func tokenUsage(now: Date) async throws -> [TokenUsageTotals] {
        let day = QuotaPeriod.day.bounds(containing: now).start
        let month = QuotaPeriod.month.bounds(containing: now)
        return tokenLedger.state.withLock { ledger in
            var totals: [String: TokenUsageTotals] = [:]
            for (key, value) in ledger.usage {
                var row =
                    totals[key.tokenID]
                    ?? TokenUsageTotals(tokenID: key.tokenID, dayStart: day, monthStart: month.start)
                row.totalRequests += value.requests
                row.totalTokens += value.tokens
                if key.dayStart >= month.start, key.dayStart < month.end {
                    row.monthRequests += value.requests
                    row.monthTokens += value.tokens
                }
                if key.dayStart == day {
                    row.dayRequests += value.requests
                    row.dayTokens += value.tokens
                }
                totals[key.tokenID] = row
            }
            return totals.values.sorted { $0.tokenID < $1.tokenID }
        }
    }

    /// Grants up to the asked amount without leasing more than the limit for the window in total.
    public func leaseTokenBudget(tokenID: String, request: BudgetRequest) async throws -> BudgetGrant {
        tokenLedger.state.withLock { ledger in
            let key = "\(tokenID)|\(request.kind.rawValue)|\(request.windowStart)"
            let leased = ledger.leases[key, default: 0]
            let granted = max(0, min(request.amount, request.limit - leased))
            ledger.leases[key] = leased + granted
            return BudgetGrant(
                kind: request.kind, windowStart: request.windowStart, requested: request.amount, granted: granted)
        }
    }
}

/// The in-memory store's token usage rows and budget leases.
final class InMemoryTokenLedger: Sendable {
    struct DayKey: Hashable {
        var tokenID: String
        var dayStart: Int64
    }

    struct State {
        var usage: [DayKey: (requests: Int, tokens: Int)] = [:]
        var leases: [String: Int] = [:]
    }

    let state = Mutex(State())
}
