import Foundation
import Hummingbird
import PoolCore

/// Admin routes that ask the upstream about keys: `/admin/api-keys/import-with-validation`,
/// `/admin/verify-key`, `/admin/keys/health-check`, and `/admin/jobs` to follow the background jobs they start.
struct AdminKeyCheckRoutes {
    let gateway: Gateway
    let starter: KeyCheckJobs

    private var checker: KeyChecker { starter.checker }
    private var jobs: JobRegistry { starter.jobs }

    var limit: Int { gateway.configuration.limits.maxBodyBytes }
    /// Imports carry whole key files, so they get the import limit, as the plain imports do.
    var importLimit: Int { max(gateway.configuration.limits.maxImportBytes, limit) }

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.post("api-keys/import-with-validation") { request, _ in try await importWithValidation(request) }
        group.post("verify-key") { request, _ in try await verify(request) }
        group.post("keys/health-check") { request, _ in try await healthCheck(request) }
        group.get("jobs") { _, _ in try listJobs() }
        group.get("jobs/:id") { _, context in try job(context.parameters.require("id")) }
    }

    // MARK: Validated import

    private func importWithValidation(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: importLimit)
        let provider = try AdminRequest.provider(query: request, body: body)
        let parsed = try await ImportBody.parse(
            body, arrays: ["keys", "accounts"], textFirst: true,
            missing: "field 'content' (text) or 'keys' (an array) is required"
        )
        let expiresAt = try AdminRequest.expiry(body, now: gateway.clock.now)
        let job = starter.startValidatedImport(parsed, provider: provider, expiresAt: expiresAt)
        return try accepted(job)
    }

    // MARK: Verify one key

    private func verify(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: limit)
        let provider = try AdminRequest.providerIfGiven(query: request, body: body)
        let id = try body.string("id")
        let secret = try body.string("apiKey") ?? body.string("api_key")
        guard let reference = id ?? secret, !reference.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw GatewayError.badRequest("field 'id' or 'apiKey' is required")
        }
        if let poolID = gateway.pool.resolveID(reference.trimmingCharacters(in: .whitespacesAndNewlines), provider: provider) {
            guard let result = try await checker.check(id: poolID), let view = gateway.pool.view(id: poolID) else {
                throw GatewayError.notFound("no such key")
            }
            return try JSONResponse.make(VerifyAnswer(report: result.report, key: KeyPayload(view)))
        }
        guard let secret = secret?.trimmingCharacters(in: .whitespacesAndNewlines), !secret.isEmpty else {
            throw GatewayError.notFound("no such key")
        }
        if let problem = KeySecretRules.problem(in: secret) { throw GatewayError.badRequest("invalid key: \(problem)") }
        let report = try await checker.prober.inspect(secret: secret, provider: provider ?? .ollama)
        return try JSONResponse.make(VerifyAnswer(report: report, key: nil))
    }

    /// `{valid, outcome, status}`: `valid` is null when the upstream could not judge the key, `status` is the
    /// upstream's HTTP status (null without an answer).
    private struct VerifyAnswer: Encodable {
        var valid: Bool?
        var outcome: String
        var status: Int?
        var reason: String
        var inPool: Bool
        var key: KeyPayload?
        var models: [String]?
        var category: String?
        var credit: KeyCredit?

        init(report: ProbeReport, key: KeyPayload?) {
            switch report.outcome {
            case .upstreamError, .inconclusive: valid = nil
            default: valid = report.outcome.keyIsGenuine
            }
            outcome = report.outcome.name
            status = report.httpStatus
            reason = report.outcome.reason
            inPool = key != nil
            self.key = key
            models = report.models
            category = report.models.map { ModelCategory.classify(models: $0) }
            credit = report.credit
        }

        private enum CodingKeys: String, CodingKey {
            case valid, outcome, status, reason, inPool, key, models, category, credit
        }

        /// `valid` and `status` are always present, as null when unknown; the rest only when known.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(valid, forKey: .valid)
            try container.encode(outcome, forKey: .outcome)
            try container.encode(status, forKey: .status)
            try container.encode(reason, forKey: .reason)
            try container.encode(inPool, forKey: .inPool)
            try container.encodeIfPresent(key, forKey: .key)
            try container.encodeIfPresent(models, forKey: .models)
            try container.encodeIfPresent(category, forKey: .category)
            try container.encodeIfPresent(credit, forKey: .credit)
        }
    }

    // MARK: Health check

    private func healthCheck(_ request: Request) async throws -> Response {
        var request = request
        let body = try await JSONBody.read(&request, limit: limit, allowEmpty: true)
        let selection = try KeySelection.read(body, request: request, pool: gateway.pool, default: .everyKey)
        let job = starter.startCheck(kind: "health_check", ids: selection.ids)
        return try accepted(job, notFound: selection.notFound)
    }

    /// 202 with the job's id: the work goes on in the background.
    private func accepted(_ job: Job, notFound: Int? = nil) throws -> Response {
        struct Answer: Encodable {
            var success = true
            var jobId: String
            var kind: String
            var total: Int
            var notFound: Int?
        }
        let snapshot = job.snapshot()
        return try JSONResponse.make(
            Answer(jobId: job.id, kind: job.kind, total: snapshot.total, notFound: notFound), status: .accepted
        )
    }

    // MARK: Jobs

    private func listJobs() throws -> Response {
        struct Answer: Encodable {
            var jobs: [JobSnapshot]
        }
        // Results can be long (every invalid line of a big import); the list shows progress, one job shows all.
        let snapshots = jobs.recent().map { job -> JobSnapshot in
            var snapshot = job.snapshot()
            snapshot.result = nil
            return snapshot
        }
        return try JSONResponse.make(Answer(jobs: snapshots))
    }

    private func job(_ id: String) throws -> Response {
        guard let job = jobs.job(id: id) else { throw GatewayError.notFound("no such job") }
        return try JSONResponse.make(job.snapshot())
    }
}
