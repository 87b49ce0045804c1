import ArgumentParser
import Foundation
import Hummingbird
import Logging
import PoolServer
import PoolStore
import ServiceLifecycle
import UnixSignals

/// `ollama-pool serve`: runs the gateway until SIGINT/SIGTERM, then drains in-flight requests and flushes.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway (the default command).",
        discussion: "Every setting is an environment variable and a flag (flags win):\n\n"
            + SettingsDocumentation.helpText()
    )

    @OptionGroup var settings: SettingOptions

    func run() async throws {
        let configuration = try settings.configuration()
        let logger = settings.logger(configuration)
        let descriptors = FileDescriptorLimit.raiseToHardLimit()
        AllocatorTuning.fixMmapThreshold()
        logger.notice(
            "open file limit", metadata: ["soft_before": "\(descriptors.before)", "soft_now": "\(descriptors.after)"]
        )
        let gateway = try await Gateway.open(configuration: configuration, logger: logger)
        let app = try buildApplication(gateway: gateway) { port in
            let scheme = configuration.tls.isEnabled ? "https" : "http"
            logger.notice(
                "ollama-api-pool listening",
                metadata: ["host": "\(configuration.host)", "port": "\(port)", "scheme": "\(scheme)"])
        }
        let group = gatewayServiceGroup(
            running: app, gateway: gateway, signals: [.sigterm, .sigint], logger: logger)
        await runGateway(group, gateway: gateway, logger: logger)
    }
}
