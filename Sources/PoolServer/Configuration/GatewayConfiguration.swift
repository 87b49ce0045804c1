import Foundation
import Logging
import PoolCore

/// Everything the gateway can be configured with, grouped by concern. Each item that operators set is declared
/// once in ``settings`` (environment variable, flag, documentation); the defaults are the values here.
public struct GatewayConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    /// The admin token in clear; when nil the stored hash (or a newly generated token) is used.
    public var adminToken: String?
    public var logLevel: Logger.Level = .info
    /// Accept an `ADMIN_TOKEN` shorter than ``minimumAdminTokenLength`` (`ALLOW_WEAK_ADMIN_TOKEN`).
    public var allowWeakAdminToken = false
    /// Whether the statistics page `/stats` and its API `/admin/public-stats` are served without auth.
    public var publicStats = true
    /// Seconds a shutdown waits for in-flight requests and streams before it ends them.
    public var shutdownGrace: TimeInterval = 30
    /// Certificate and key when the gateway serves HTTPS itself.
    public var tls = TLSFiles()

    /// Where the upstreams are and how the gateway talks to them.
    public var upstream = UpstreamSettings()
    /// Largest bodies the gateway accepts and relays.
    public var limits = Limits()
    /// The store and how often memory is written to it.
    public var persistence = Persistence()
    /// When a failing key rests and for how long.
    public var cooldown = CooldownPolicy()
    /// Probes, validated imports, health checks and automatic recovery.
    public var keyChecks = KeyCheckConfiguration()
    /// Token defaults, per-IP protection, trusted proxies and the response cache.
    public var clientLimits = ClientLimitsConfiguration()
    /// The request log's size, retention and bodies.
    public var requestLog = RequestLogSettings()

    public init() {}

    /// Shortest admin token accepted without `ALLOW_WEAK_ADMIN_TOKEN`: it guards every key in the pool.
    public static let minimumAdminTokenLength = 24

    /// Checks what no single setting can check alone; `Gateway.open` calls it before anything starts.
    public func validate() throws {
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw ConfigurationError("TLS_CERT_FILE and TLS_KEY_FILE go together: set both to serve HTTPS, or neither")
        }
        if let adminToken, adminToken.count < Self.minimumAdminTokenLength, !allowWeakAdminToken {
            throw ConfigurationError(
                "ADMIN_TOKEN is \(adminToken.count) characters; use at least \(Self.minimumAdminTokenLength) (for "
                    + "example `openssl rand -hex 24`), leave it unset to have one generated, or set "
                    + "ALLOW_WEAK_ADMIN_TOKEN=1"
            )
        }
    }
}
