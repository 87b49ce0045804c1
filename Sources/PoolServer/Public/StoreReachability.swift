import PoolStore
import Synchronization

/// Whether the store answers a cheap query (`revision()`) within ``deadline``, for `/health/ready`. One answer
/// serves every probe for ``maxAge``, and probes arriving while a query runs wait for that one, so a storm of
/// readiness probes costs the store one query a second at most. A store that hangs is asked again only after its
/// last query has come back: hung queries do not pile up.
final class StoreReachability: Sendable {
    private struct State {
        var answer = false
        var answeredAt: ContinuousClock.Instant?
        /// The check under way, which every probe meanwhile awaits.
        var check: Task<Bool, Never>?
        /// A query that outlived its deadline and has not come back yet.
        var queryOutstanding = false
    }

    private enum Next {
        case known(Bool)
        case wait(Task<Bool, Never>)
    }

    /// The cheap query: returns when the store answered, throws when it failed.
    let query: @Sendable () async throws -> Void
    /// How long an answer is reused.
    let maxAge: Duration
    /// How long a query may take before the store counts as unreachable.
    let deadline: Duration
    private let state = Mutex(State())

    convenience init(store: any PoolStore, maxAge: Duration = .seconds(1), deadline: Duration = .seconds(2)) {
        self.init(maxAge: maxAge, deadline: deadline) { _ = try await store.revision() }
    }

    init(maxAge: Duration, deadline: Duration, query: @escaping @Sendable () async throws -> Void) {
        self.query = query
        self.maxAge = maxAge
        self.deadline = deadline
    }

    /// The store's last answer when fresh, else a new one (shared with concurrent callers).
    func isReachable() async -> Bool {
        let next: Next = state.withLock { state in
            if let at = state.answeredAt, ContinuousClock.now - at < maxAge { return .known(state.answer) }
            if let check = state.check { return .wait(check) }
            let check = Task { await self.check() }
            state.check = check
            return .wait(check)
        }
        switch next {
        case .known(let answer): return answer
        case .wait(let check): return await check.value
        }
    }

    private func check() async -> Bool {
        let askable = state.withLock { state in
            guard !state.queryOutstanding else { return false }
            state.queryOutstanding = true
            return true
        }
        let answer = askable ? await ask() : false
        state.withLock { state in
            state.answer = answer
            state.answeredAt = .now
            state.check = nil
        }
        return answer
    }

    /// The query raced against the deadline: whichever comes first answers.
    private func ask() async -> Bool {
        await withCheckedContinuation { continuation in
            let answer = FirstAnswer(continuation)
            let timer = Task { [deadline] in
                // Cancelled once the query has answered: then it gives nothing.
                guard (try? await Task.sleep(for: deadline)) != nil else { return }
                answer.give(false)
            }
            Task {
                let reachable = (try? await query()) != nil
                state.withLock { $0.queryOutstanding = false }
                answer.give(reachable)
                timer.cancel()
            }
        }
    }
}

/// A continuation resumed by whichever of two racers gives an answer first.
private final class FirstAnswer: Sendable {
    private let continuation: Mutex<CheckedContinuation<Bool, Never>?>

    init(_ continuation: CheckedContinuation<Bool, Never>) {
        self.continuation = Mutex(continuation)
    }

    func give(_ answer: Bool) {
        continuation.withLock { $0.take() }?.resume(returning: answer)
    }
}
