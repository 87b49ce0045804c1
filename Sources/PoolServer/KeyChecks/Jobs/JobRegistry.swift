import Foundation
import Logging
import PoolCore
import PoolStore
import ServiceLifecycle
import Synchronization

/// Long admin operations (validated imports, health checks, bulk verification) running in the background,
/// with progress anyone can read while they run, so a page reload loses nothing.
///
/// Every job is also kept in the store: its row is written when it starts (before the route answers), its
/// progress at most once per `progressInterval` (never per probe), and its final state. So `GET /admin/jobs/{id}`
/// answers on every instance sharing the database, and after a restart; a job left `running` by an instance
/// that stopped is marked failed by `InstanceHeartbeat`. This instance's own recent jobs (the last `keep`) are
/// also remembered in memory and shown from there, live.
///
/// Jobs run as child tasks of this service's `run()`: a graceful shutdown cancels them before the HTTP client
/// they use is shut down.
final class JobRegistry: Service, Sendable {
    typealias Work = @Sendable (Job) async throws -> any Encodable & Sendable

    let keep: Int
    let store: any PoolStore
    let instance: InstanceIdentity
    let progressInterval: Duration
    private let logger: Logger
    private let jobs = Mutex<[Job]>([])
    private let submissions: AsyncStream<@Sendable () async -> Void>
    private let submit: AsyncStream<@Sendable () async -> Void>.Continuation
    private let clock: @Sendable () -> Date
    /// Job writes fail every `progressInterval` while the store is away: one warning, one line when it is back.
    private let writeOutage: StoreOutageLog

    init(
        store: any PoolStore, instance: InstanceIdentity, logger: Logger, keep: Int = 100,
        progressInterval: Duration = .seconds(1), clock: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.instance = instance
        self.logger = logger
        self.keep = keep
        self.progressInterval = progressInterval
        writeOutage = StoreOutageLog(logger: logger, what: "writing jobs")
        self.clock = clock
        (submissions, submit) = AsyncStream.makeStream()
    }

    /// Stores a new job and starts `work` in the background; returns once the job is readable everywhere.
    func start(kind: String, total: Int, work: @escaping Work) async -> Job {
        let job = Job(id: "job_" + RandomText.hex(count: 12), kind: kind, total: total, createdAt: clock())
        jobs.withLock { jobs in
            jobs.append(job)
            // Forget the oldest finished jobs; running ones stay visible however many there are.
            while jobs.count > keep, let index = jobs.firstIndex(where: { !$0.isRunning }) {
                jobs.remove(at: index)
            }
        }
        await persistFirst(job)
        let clock = self.clock
        let result = submit.yield { @Sendable in
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.writeProgress(of: job) }
                do {
                    let result = try await work(job)
                    job.finish(result: result, at: clock())
                } catch is CancellationError {
                    job.fail("cancelled: the gateway is shutting down", at: clock())
                } catch {
                    job.fail("\(error)", at: clock())
                }
                group.cancelAll()
            }
            // The final state is written even when shutdown cancelled the job (a task of its own is not cancelled).
            await Task { await self.persist(job) }.value
        }
        if case .terminated = result {
            job.fail("the gateway is shutting down", at: clock())
            await persist(job)
        }
        return job
    }

    /// A job as the API shows it: this instance's from memory (live), any other from the store.
    func snapshot(id: String) async -> JobSnapshot? {
        if let job = jobs.withLock({ jobs in jobs.first { $0.id == id } }) { return job.snapshot() }
        do {
            return try await store.job(id: id).map(JobSnapshot.init)
        } catch {
            logger.warning("cannot read a job from the store", metadata: ["job": "\(id)", "error": "\(error)"])
            return nil
        }
    }

    /// The most recent jobs of every instance, newest first, without results; this instance's own are live.
    func recentSnapshots() async -> [JobSnapshot] {
        let local = jobs.withLock { Array($0.reversed()) }
        let liveByID = Dictionary(local.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let stored: [StoredJob]
        do {
            stored = try await store.recentJobs(limit: keep)
        } catch {
            logger.warning("cannot list jobs from the store; showing this instance's", metadata: ["error": "\(error)"])
            stored = []
        }
        var seen = Set<String>()
        var snapshots: [JobSnapshot] = []
        for row in stored {
            seen.insert(row.id)
            snapshots.append(liveByID[row.id]?.snapshot() ?? JobSnapshot(row))
        }
        // Jobs whose rows could not be written (the store was away) are still listed here.
        for job in local where !seen.contains(job.id) { snapshots.append(job.snapshot()) }
        snapshots.sort { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return snapshots.map { snapshot in
            var listed = snapshot
            listed.result = nil
            return listed
        }
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

    /// Writes the job's progress every `progressInterval` while it runs and has moved.
    private func writeProgress(of job: Job) async {
        var written = -1
        while !Task.isCancelled {
            do { try await Task.sleep(for: progressInterval) } catch { return }
            let done = job.snapshot().done
            guard job.isRunning, done != written else { continue }
            written = done
            await persist(job)
        }
    }

    /// Writes a new job's row before the route answers, waiting at most `firstWriteLimit`: with the database
    /// away the job still starts (its progress writes create the row once the database is back).
    private func persistFirst(_ job: Job) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.persist(job) }
            group.addTask { try? await Task.sleep(for: Self.firstWriteLimit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// How long starting a job waits for its first write.
    static let firstWriteLimit: Duration = .seconds(2)

    /// Writes the job's row; a store that is away costs the other instances a view of it, not the job.
    private func persist(_ job: Job) async {
        do {
            try await store.saveJob(job.stored(instance: instance.id))
            writeOutage.succeeded()
        } catch {
            writeOutage.failed(error)
        }
    }
}
