import Dispatch
import Logging
import NIOCore
import NIOPosix
import PoolServer

// The gateway as `ollama-pool serve` runs it (settings from the environment, NIO's event loops as Swift
// Concurrency's executor), behind a synchronous main that parks its thread: valgrind 3.19 crashes on the async
// main's parked thread, so `scripts/bench` counts instructions per request under callgrind with this binary.
// Not installed, not for production: it stops only by a signal, without draining.

NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
let started = DispatchSemaphore(value: 0)
// Detached: top-level code is on the main actor, whose thread parks below.
Task.detached {
    do {
        let configuration = try GatewayConfiguration.fromEnvironment()
        var logger = Logger(label: "pool-callgrind-server")
        logger.logLevel = configuration.logLevel
        let gateway = try await Gateway.open(configuration: configuration, logger: logger)
        let app = try buildApplication(gateway: gateway) { _ in started.signal() }
        let group = gatewayServiceGroup(running: app, gateway: gateway, signals: [], logger: logger)
        await runGateway(group, gateway: gateway, logger: logger)
    } catch {
        print("pool-callgrind-server: \(error)")
        started.signal()
    }
}
started.wait()
while true { sleep(3600) }
