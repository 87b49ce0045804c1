import Foundation
import PoolCore
import ServiceLifecycle
import Synchronization

/// Long admin operations (validated imports, health checks, bulk verification) running in the background,
/// with progress anyone can read while they run, so a page reload loses nothing.
///
/// Jobs run as child tasks of this service's `run()`: a graceful shutdown cancels them before the HTTP client
/// they use is shut down. The most recent `keep` jobs are remembered, in memory only.
final class JobRegistry: Service, Sendable {
    typealias Work = @Sendable (Job) async throws -> any Encodable & Sendable

    let keep: Int
    private let jobs = Mutex<[Job]>([])
    private let submissions: AsyncStream<@Sendable () async -> Void>
    private let submit: AsyncStream<@Sendable () async -> Void>.Continuation
    private let clock: @Sendable () -> Date

    init(keep: Int = 100, clock: @escaping @Sendable () -> Date = Date.init) {
        self.keep = keep
        self.clock = clock
        (submissions, submit) = AsyncStream.makeStream()
    }

    /// Starts `work` in the background and returns its job at once.
    @discardableResult
    func start(kind: String, total: Int, work: @escaping Work) -> Job {
        let job = Job(id: "job_" + RandomText.hex(count: 12), kind: kind, total: total, createdAt: clock())
        jobs.withLock { jobs in
            jobs.append(job)
            // Forget the oldest finished jobs; running ones stay visible however many there are.
            while jobs.count > keep, let index = jobs.firstIndex(where: { !$0.isRunning }) {
                jobs.remove(at: index)
            }
        }
        let clock = self.clock
        let result = submit.yield { @Sendable in
            do {
                let result = try await work(job)
                job.finish(result: result, at: clock())
            } catch is CancellationError {
                job.fail("cancelled: the gateway is shutting down", at: clock())
            } catch {
                job.fail("\(error)", at: clock())
            }
        }
        if case .terminated = result { job.fail("the gateway is shutting down", at: clock()) }
        return job
    }

    func job(id: String) -> Job? {
        jobs.withLock { jobs in jobs.first { $0.id == id } }
    }

    /// Remembered jobs, newest first.
    func recent() -> [Job] {
        jobs.withLock { Array($0.reversed()) }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await work in self.submissions {
                    group.addTask { await work() }
                }
            }
        }
        submit.finish()
    }
}
