import Foundation
import Hummingbird
import PoolCore

/// Admin routes that ask the upstream about keys: `/admin/api-keys/import-with-validation`,
/// `/admin/verify-key`, `/admin/keys/health-check`, and `/admin/jobs` to follow the background jobs they start.
struct AdminKeyCheckRoutes {
    let pool: KeyPool
    let clock: any PoolClock
    let limits: GatewayConfiguration.Limits
    let starter: KeyCheckJobs
    /// The live provider catalog: every provider name a request gives is checked against it.
    let providers: ProviderRegistry

    private var checker: KeyChecker { starter.checker }
    private var jobs: JobRegistry { starter.jobs }

    var limit: Int { limits.maxBodyBytes }
    /// Imports carry whole key files, so they get the import limit, as the plain imports do.
    var importLimit: Int { max(limits.maxImportBytes, limit) }

    func register(on group: RouterGroup<GatewayRequestContext>) {
        group.post("api-keys/import-with-validation") { request, _ in try await importWithValidation(request) }
        group.post("verify-key") { request, _ in try await verify(request) }
        group.post("keys/health-check") { request, _ in try await healthCheck(request) }
        group.get("jobs") { _, _ in try await listJobs() }
        group.get("jobs/:id") { _, context in try await job(context.parameters.require("id")) }
    }

    // MARK: Validated import

    private func importWithValidation(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(ImportKeysRequest.self, from: request, limit: importLimit)
        let provider = try AdminRequest.provider(query: request, body: body, catalog: providers.catalog)
        let parsed = try await ImportBody.parse(
            body, preferring: .keys, textFirst: true,
            missing: "field 'content' (text) or 'keys' (an array) is required"
        )
        let expiresAt = try body.expiry.date(now: clock.now)
        let defaults = try body.placement.importDefaults()
        let job = await starter.startValidatedImport(
            defaults.apply(to: parsed), provider: provider, expiresAt: expiresAt)
        return try accepted(job)
    }

    // MARK: Verify one key

    private func verify(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(VerifyKeyRequest.self, from: request, limit: limit)
        let provider = try AdminRequest.providerIfGiven(query: request, body: body, catalog: providers.catalog)
        let baseURL: String?
        do {
            baseURL = try ImportDefaults.checked(baseURL: body.baseURL, weight: nil, tier: nil).baseURL
        } catch {
            throw GatewayError.badRequest(error.message)
        }
        let reference = (body.id ?? body.apiKey)?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !reference.isEmpty || baseURL != nil else {
            throw GatewayError.badRequest("field 'id' or 'apiKey' is required")
        }
        if baseURL == nil, let poolID = pool.resolveID(reference, provider: provider) {
            guard let result = try await checker.check(id: poolID), let view = pool.view(id: poolID) else {
                throw GatewayError.notFound("no such key")
            }
            return try JSONResponse.make(VerifyKeyPayload(report: result.report, key: KeyPayload(view)))
        }
        // A key not in the pool, or a server (`base_url`, with or without a secret): asked now, nothing stored.
        let secret = body.apiKey?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !secret.isEmpty || baseURL != nil else { throw GatewayError.notFound("no such key") }
        if !secret.isEmpty, let problem = KeySecretRules.problem(in: secret) {
            throw GatewayError.badRequest("invalid key: \(problem)")
        }
        let report = try await checker.prober.inspect(secret: secret, provider: provider ?? .ollama, baseURL: baseURL)
        return try JSONResponse.make(VerifyKeyPayload(report: report, key: nil))
    }

    // MARK: Health check

    private func healthCheck(_ request: Request) async throws -> Response {
        let body = try await AdminBody.decode(KeySelectionRequest.self, from: request, limit: limit, allowEmpty: true)
        let selection = try KeySelection.read(
            body, request: request, pool: pool, catalog: providers.catalog, default: .everyKey)
        let job = await starter.startCheck(kind: "health_check", ids: selection.ids)
        return try accepted(job, notFound: selection.notFound)
    }

    /// 202 with the job's id: the work goes on in the background.
    private func accepted(_ job: Job, notFound: Int? = nil) throws -> Response {
        let snapshot = job.snapshot()
        let payload = JobStartedPayload(jobId: job.id, kind: job.kind, total: snapshot.total, notFound: notFound)
        return try JSONResponse.make(payload, status: .accepted)
    }

    // MARK: Jobs

    /// Every instance's recent jobs (from the store). Results can be long (every invalid line of a big import);
    /// the list shows progress, one job shows all.
    private func listJobs() async throws -> Response {
        try JSONResponse.make(JobListPayload(jobs: await jobs.recentSnapshots()))
    }

    private func job(_ id: String) async throws -> Response {
        guard let snapshot = await jobs.snapshot(id: id) else { throw GatewayError.notFound("no such job") }
        return try JSONResponse.make(snapshot)
    }
}
