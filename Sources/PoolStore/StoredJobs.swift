import Foundation

/// A background job (a validated import, a health check) as the store keeps it, so that any instance sharing the
/// database, and this one after a restart, can show it.
///
/// The instance running a job writes its row when the job starts, its progress at most about once a second, and
/// its final state. `result` is the job's answer as the admin API shows it (JSON, secrets already masked): a
/// store never sees more of a key than the API does.
public struct StoredJob: Sendable, Equatable {
    /// Where a job is.
    public enum State: String, Sendable, Codable {
        case running
        case done
        case failed
    }

    public var id: String
    /// What the job does: `validated_import`, `health_check`, `verify`.
    public var kind: String
    /// The instance running it (`InstanceHeartbeat` rows name the live ones).
    public var instance: String
    public var state: State
    public var total: Int
    public var done: Int
    public var valid: Int
    public var invalid: Int
    public var createdAt: Date
    /// When the row was last written (progress or final state).
    public var updatedAt: Date
    public var finishedAt: Date?
    /// Seconds the job has run (or ran), for the rate the API shows.
    public var elapsedSeconds: Double
    /// Why it failed.
    public var error: String?
    /// The finished job's answer, JSON as the admin API shows it; nil while running and in job lists.
    public var resultJSON: String?

    public init(
        id: String, kind: String, instance: String, state: State = .running, total: Int = 0, done: Int = 0,
        valid: Int = 0, invalid: Int = 0, createdAt: Date, updatedAt: Date? = nil, finishedAt: Date? = nil,
        elapsedSeconds: Double = 0, error: String? = nil, resultJSON: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.instance = instance
        self.state = state
        self.total = total
        self.done = done
        self.valid = valid
        self.invalid = invalid
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
        self.finishedAt = finishedAt
        self.elapsedSeconds = elapsedSeconds
        self.error = error
        self.resultJSON = resultJSON
    }
}

/// Which running jobs belong to an instance that stopped (`PoolStore.failAbandonedJobs`).
public struct AbandonedJobsRule: Sendable {
    /// The instance asking: its own jobs are never abandoned.
    public var survivor: String
    /// A job whose instance last beat before this (or, without any heartbeat, whose row was last written before
    /// this) is abandoned.
    public var heartbeatBefore: Date
    /// At start-up: the stable name (host and port) the asking instance had in a previous run; running jobs of
    /// an instance with this name are abandoned at once, whatever its heartbeat.
    public var previousName: String?

    public init(survivor: String, heartbeatBefore: Date, previousName: String? = nil) {
        self.survivor = survivor
        self.heartbeatBefore = heartbeatBefore
        self.previousName = previousName
    }
}
