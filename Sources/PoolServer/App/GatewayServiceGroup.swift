import Hummingbird
import Logging
import PoolStore
import ServiceLifecycle
import UnixSignals

/// The service group that runs a gateway application: on one of `signals` (SIGTERM and SIGINT for `serve`) the
/// server stops accepting and in-flight requests get `SHUTDOWN_GRACE_SECONDS` to finish; then they are
/// cancelled — open streams end with an error event in their dialect — and the statistics are flushed. Should
/// anything ignore the cancellation, the group gives up after five seconds more, so the process always exits.
public func gatewayServiceGroup(
    running app: some ApplicationProtocol, configuration: GatewayConfiguration, signals: [UnixSignal],
    logger: Logger
) -> ServiceGroup {
    var group = ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: signals, logger: logger)
    group.maximumGracefulShutdownDuration = .milliseconds(Int64(configuration.shutdownGrace * 1000))
    group.maximumCancellationDuration = .seconds(5)
    return ServiceGroup(configuration: group)
}

/// Runs `group` to its end, then writes the last statistics and closes the store. The final flush comes after
/// the group has ended, since only then has every request — streams ended by the grace included — been counted.
public func runGateway(_ group: ServiceGroup, gateway: Gateway, logger: Logger) async {
    do {
        try await group.run()
    } catch {
        logger.warning("shutdown did not end cleanly", metadata: ["error": "\(error)"])
    }
    await gateway.statsWriter.flush()
    await gateway.requestLog.flush()
    do {
        try await gateway.store.close()
    } catch {
        logger.error("closing the store failed", metadata: ["error": "\(error)"])
    }
}
