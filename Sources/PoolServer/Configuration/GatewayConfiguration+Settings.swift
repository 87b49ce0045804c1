import Foundation
import Logging
import PoolCore

extension GatewayConfiguration {
    /// Every setting, in the order the README and `--help` list them.
    public static let settings: [Setting] = [
        .integer("PORT", \.port, range: 0...65_535, "port to listen on (`0` picks a free one)"),
        .text("HOST", \.host, "address to listen on"),
        .text(
            "DATABASE_URL", \.persistence.databaseURL,
            "`sqlite:PATH` (relative or absolute; folder created), or `postgres://USER:PASSWORD@HOST:PORT/DB` "
                + "(`postgresql://` too; `?sslmode=` `disable`, `prefer` (default) or `require`; needs `ENCRYPTION_KEY`)"
        ),
        .optionalText(
            "ADMIN_TOKEN", \.adminToken, secret: true, defaultNote: "generated",
            "admin credential, at least 24 characters; unset on the very first start → generated, printed once, stored as a hash"
        ),
        .toggle(
            "ALLOW_WEAK_ADMIN_TOKEN", \.allowWeakAdminToken,
            "accept an `ADMIN_TOKEN` shorter than 24 characters (refused at start otherwise)"
        ),
        .optionalText(
            "ENCRYPTION_KEY", \.persistence.encryptionKey, secret: true, defaultNote: "generated (`<database>.key`)",
            "any secret string; upstream keys are stored AES-GCM encrypted with a key derived from it (HKDF-SHA256). "
                + "Unset: a random key is generated once into a file beside the database (mode 0600); back it up with "
                + "the database (SQLite only: required with PostgreSQL). Existing plain rows are encrypted on the next start"
        ),
        .seconds(
            "KEY_STATS_FLUSH_SECONDS", \.persistence.keyStatsFlushInterval, minimum: 1,
            "seconds between writes of the per-key counters to SQLite (with PostgreSQL they are part of every "
                + "flush, each second). With many busy keys each write updates nearly every key's row; a crash, unlike "
                + "a shutdown, can lose this much of them"
        ),
        .logLevel("LOG_LEVEL", \.logLevel, "`trace` … `critical`; logs go to stderr and never contain a secret"),
        .logFormat(
            "LOG_FORMAT", \.logFormat,
            "`text`, or `json`: one JSON object per line (`timestamp` ISO 8601 UTC, `level`, `message`, `label`, the "
                + "metadata as fields; `request_id` on a request's lines)"
        ),
        .toggle(
            "ACCESS_LOG", \.accessLog,
            "one `info` line per proxied request: request id, token name, provider, route, model, answering key id, "
                + "attempts, status, duration, time to first byte, tokens, cached"
        ),
        .toggle(
            "PUBLIC_STATS", \.publicStats,
            "serve the statistics page `/stats` and `/admin/public-stats` without auth (counts and model names only); "
                + "`false` turns both off"
        ),
        .toggle(
            "METRICS_ENABLED", \.metrics.enabled,
            "collect Prometheus metrics and serve them at `GET /metrics` (admin token or `METRICS_TOKEN`); `false` "
                + "counts nothing and `/metrics` is not found"
        ),
        .optionalText(
            "METRICS_TOKEN", \.metrics.token, secret: true,
            "a Bearer token that may read `/metrics` (and nothing else), for a scraper; the admin token always may"
        ),
        .integer(
            "METRICS_PORT", \.metrics.port, range: 0...65_535,
            "a second listener on `HOST` serving only `/metrics`, without auth, for a scraper on a private network; "
                + "`0` is none"
        ),
        .integer(
            "MAX_RETRIES", \.upstream.maxRetries, range: 0...100,
            "further attempts on *other* keys after the first fails"),
        .integer(
            "FAILURE_THRESHOLD", \.cooldown.failureThreshold, range: 1...1_000,
            "consecutive failures (5xx, connect errors, timeouts) that disable a key"
        ),
        .seconds(
            "DISABLE_SECONDS", \.cooldown.disableSeconds, minimum: 1,
            "first automatic disable window; doubles after each failed trial (cap 24 h)"
        ),
        .integer(
            "MAX_BODY_BYTES", \.limits.maxBodyBytes, range: 1024...Int(Int32.max), "largest request body; larger → 413"),
        .integer(
            "MAX_IMPORT_BYTES", \.limits.maxImportBytes, range: 1024...Int(Int32.max),
            "largest body of the admin import routes (key files; 100,000 keys fit)"
        ),
        .integer(
            "MAX_HEADER_BYTES", \.limits.maxHeaderBytes, range: 1024...1024 * 1024,
            "largest request header block (names, values, separators); larger → 431, never forwarded"
        ),
        .integer(
            "MAX_HEADER_COUNT", \.limits.maxHeaderCount, range: 8...10_000, "most request header fields; more → 431"),
        .integer("MAX_URI_BYTES", \.limits.maxURIBytes, range: 256...1024 * 1024, "longest request URI; longer → 414"),
        .seconds(
            "IDLE_TIMEOUT", \.limits.idleTimeout, minimum: 0,
            "seconds a client connection may sit without a request before it is closed; `0` never closes it"
        ),
        .seconds(
            "HEADER_TIMEOUT", \.limits.headerTimeout, minimum: 0,
            "seconds a client has to send a whole request head, counted from connecting or from the request's first "
                + "byte; then 408 and close. `0` turns it off"
        ),
        .integer(
            "MAX_CONNECTIONS", \.limits.maxConnections, range: 0...10_000_000,
            "most client connections open at once; the next few are answered 503 (`Retry-After`) and closed, more "
                + "wait in the listen backlog. `0`, and the most ever used: half the open-file limit, less 64 (each "
                + "proxied request also holds an upstream connection)"
        ),
        .seconds(
            "SHUTDOWN_DELAY_SECONDS", \.shutdownDelay, minimum: 0,
            "on SIGTERM/SIGINT, seconds `/health/ready` answers 503 while the gateway still accepts and serves, so a "
                + "load balancer notices before the listener closes; a second signal cuts it short. `0`: none"
        ),
        .seconds(
            "SHUTDOWN_GRACE_SECONDS", \.shutdownGrace, minimum: 0,
            "after `SHUTDOWN_DELAY_SECONDS` the listener closes, and in-flight requests have this many seconds to finish; then open streams end with an error "
                + "event in their dialect, counters are flushed and the process exits"
        ),
        .optionalText(
            "TLS_CERT_FILE", \.tls.certificateFile,
            "PEM certificate chain: serve HTTPS (HTTP/1.1) with `TLS_KEY_FILE`; both re-read on SIGHUP without "
                + "dropping connections; responses then carry HSTS"
        ),
        .optionalText("TLS_KEY_FILE", \.tls.keyFile, "PEM private key of `TLS_CERT_FILE`"),
        .url("OLLAMA_UPSTREAM_URL", \.upstream.ollamaURL, "Ollama base; requests go to `{base}/v1/...`"),
        .url("OPENROUTER_UPSTREAM_URL", \.upstream.openRouterURL, "OpenRouter base; requests go to `{base}/v1/...`"),
        .providerOff("DISABLE_OLLAMA", .ollama, "turn the Ollama provider off (its routes answer 503)"),
        .providerOff("DISABLE_OPENROUTER", .openrouter, "turn the OpenRouter provider off"),
        .headerValue("OPENROUTER_REFERER", \.upstream.openRouterReferer, "sent as `HTTP-Referer` to OpenRouter"),
        .headerValue("OPENROUTER_TITLE", \.upstream.openRouterTitle, "sent as `X-Title` to OpenRouter"),
        .optionalText(
            "PROVIDERS_FILE", \.upstream.providersFile,
            "a file of provider definitions (`{\"providers\":[...]}` in JSON, or `[[providers]]` tables in TOML when the "
                + "name ends in `.toml`): each served under `/{name}/v1/...` and `/{name}/api/...`; the file is "
                + "authoritative (the admin API cannot change its providers); a bad file stops the start"
        ),
        .toggle(
            "ROUTE_BY_MODEL", \.upstream.routeByModel,
            "an un-prefixed `/v1/...` request (OpenAI or Anthropic dialect) for a model the `ollama` pool does not "
                + "serve goes to the first enabled provider whose keys list the model or whose aliases name it"
        ),
        .seconds("CONNECT_TIMEOUT", \.upstream.connectTimeout, minimum: 0.1, "seconds to connect to an upstream"),
        .seconds(
            "FIRST_BYTE_TIMEOUT", \.upstream.firstByteTimeout, minimum: 0.1,
            "seconds from sending a request to the upstream's response head"
        ),
        .seconds(
            "STREAM_IDLE_TIMEOUT", \.upstream.streamIdleTimeout, minimum: 0.1,
            "longest silence (seconds) while reading an upstream answer"
        ),
        .integer(
            "UPSTREAM_CONNECTIONS", \.upstream.connectionsPerHost, range: 1...1_000_000,
            "concurrent connections per upstream host"
        ),
        .seconds(
            "MODEL_CACHE_TTL", \.upstream.modelCacheTTL, minimum: 0,
            "seconds a model list (`/v1/models`, `/api/tags`) is served from the cache; `0` turns the cache off"
        ),
        .integer(
            "VALIDATION_CONCURRENCY", \.keyChecks.concurrency, range: 1...10_000,
            "most key probes at the upstream at once, across validated imports, health checks and recovery"
        ),
        .seconds(
            "PROBE_TIMEOUT", \.keyChecks.probeTimeout, minimum: 0.1,
            "seconds a probe (and the model discovery after it) may take; then it counts as an upstream error"
        ),
        .ollamaProbe(
            "OLLAMA_PROBE", \.keyChecks.ollamaProbe,
            "how an Ollama key is probed: `chat` (a 1-token `POST /v1/chat/completions` with `OLLAMA_PROBE_MODEL`) or "
                + "`models` (`GET /api/tags`: free, but does not prove the quota lasts). OpenRouter keys are always "
                + "probed with `GET /v1/key`"
        ),
        .text("OLLAMA_PROBE_MODEL", \.keyChecks.ollamaProbeModel, "model of the `chat` probe"),
        .interval(
            "HEALTH_CHECK_INTERVAL", \.keyChecks.healthCheckInterval,
            "seconds between automatic recovery passes (re-probe `invalid` and failure-`disabled` keys, restore those "
                + "that pass; a key that keeps failing waits interval × 2ⁿ, at most 24 h); `0` turns recovery off"
        ),
        .seconds(
            "IDLE_PROBE_SECONDS", \.keyChecks.idleProbeSeconds, minimum: 0,
            "recovery passes also probe `active` keys unused for this long; `0` turns idle probing off"
        ),
        .optionalLimit(
            "DEFAULT_TOKEN_RPM", \.clientLimits.tokenDefaults.rpm,
            "requests per minute of a new client token that sets no `rpm` of its own"
        ),
        .optionalLimit(
            "DEFAULT_TOKEN_TPM", \.clientLimits.tokenDefaults.tpm,
            "tokens (prompt + completion) per minute of a new client token that sets no `tpm`"
        ),
        .optionalLimit(
            "DEFAULT_TOKEN_REQUEST_QUOTA", \.clientLimits.tokenDefaults.requestQuota,
            "requests per quota period of a new client token that sets no `request_quota`"
        ),
        .optionalLimit(
            "DEFAULT_TOKEN_TOKEN_QUOTA", \.clientLimits.tokenDefaults.tokenQuota,
            "tokens per quota period of a new client token that sets no `token_quota`"
        ),
        .quotaPeriod(
            "DEFAULT_TOKEN_QUOTA_PERIOD", \.clientLimits.tokenDefaults.quotaPeriod,
            "quota period (`day`, `month` or `total`; UTC) of a new client token that sets none"
        ),
        .integer(
            "AUTH_FAILURES_PER_MINUTE", \.clientLimits.authFailuresPerMinute, range: 0...1_000_000,
            "failed authentications (client tokens, the admin token, the login page) per client IP and minute; past "
                + "it, that IP gets 429 with `Retry-After` before authentication for `AUTH_LOCKOUT_SECONDS` (loopback "
                + "too). `0` turns it off"
        ),
        .integer(
            "AUTH_LOCKOUT_SECONDS", \.clientLimits.authLockoutSeconds, range: 1...86_400 * 30,
            "seconds an IP stays locked out after too many failed authentications"
        ),
        .integer(
            "IP_RPM", \.clientLimits.ipRequestsPerMinute, range: 0...100_000_000,
            "requests per client IP and minute on the proxy routes (e.g. `60`, the reference's default); past it, 429 "
                + "with `Retry-After`. `0` is unlimited"
        ),
        .trustedProxies(
            "TRUSTED_PROXIES", \.clientLimits.trustedProxies,
            "comma-separated IPs or CIDR blocks (IPv4 and IPv6) of reverse proxies in front of the gateway: when the "
                + "socket peer is one, the client IP is the right-most untrusted address of `X-Forwarded-For`"
        ),
        .seconds(
            "RESPONSE_CACHE_TTL", \.clientLimits.responseCacheTTL, minimum: 0,
            "seconds a non-streamed chat/completions/embeddings answer (status 200) is served from the response cache, "
                + "per client token unless both tokens say `cache_scope: shared`; a token's `cache_ttl` overrides. `0` "
                + "turns the cache off"
        ),
        .integer(
            "RESPONSE_CACHE_BYTES", \.clientLimits.responseCacheBytes, range: 0...Int(Int32.max),
            "most bytes the response cache holds; the least recently used answers go first"
        ),
        .integer(
            "REQUEST_LOG_SIZE", \.requestLog.size, range: 0...10_000_000,
            "proxied requests the request log keeps in memory (`GET /admin/requests`), the oldest dropped first"
        ),
        .integer(
            "REQUEST_LOG_DAYS", \.requestLog.days, range: 0...3_650,
            "days the store keeps the request log (written in batches every second, or once 1,024 records wait; "
                + "pruned hourly); `0` keeps it in memory only"
        ),
        .toggle(
            "LOG_BODIES", \.requestLog.logBodies,
            "keep each proxied request's body (its first 64 KiB, as text) in the request log; off, no prompt is kept"
        ),
    ]

    /// The setting of an environment variable, e.g. `setting(named: "PORT")`.
    public static func setting(named name: String) -> Setting? {
        settings.first { $0.name == name }
    }

    /// Reads the configuration from environment variables, starting from the defaults.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        try configuration.apply(environment: environment)
        return configuration
    }

    /// Overrides fields with the environment variables that are set (blank counts as unset).
    public mutating func apply(environment: [String: String]) throws {
        for setting in Self.settings {
            guard let raw = environment[setting.name]?.trimmingCharacters(in: .whitespaces), !raw.isEmpty else {
                continue
            }
            try setting.apply(raw, to: &self)
        }
    }
}
