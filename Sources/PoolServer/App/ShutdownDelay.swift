import Logging
import ServiceLifecycle
import UnixSignals

/// The first step of a shutdown by signal: on the first of `signals` the instance turns unready (`/health/ready`
/// answers 503) while the listener still accepts and serves for `SHUTDOWN_DELAY_SECONDS`, so that a load balancer
/// probing readiness stops sending before the port goes away; then this service ends, and the service group's
/// graceful shutdown closes the listener and drains (`SHUTDOWN_GRACE_SECONDS`). A second signal ends the delay at
/// once (an operator's Ctrl-C twice). A graceful shutdown started otherwise (tests, the app failing) skips the
/// delay. It owns the signals: the group itself traps none, or it would close the listener at the first.
struct ShutdownDelay: Service {
    let signals: [UnixSignal]
    let delay: Duration
    let state: ShutdownState
    let logger: Logger

    func run() async {
        let caught = await UnixSignalsSequence(trapping: signals)
        // Ends (finishes) when the delay is over, whatever ended it.
        let (over, endDelay) = AsyncStream<Void>.makeStream()
        // Finished at the first signal: starts the clock.
        let (started, startClock) = AsyncStream<Void>.makeStream()
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    var received = 0
                    for await signal in caught {
                        received += 1
                        if received == 1 {
                            state.beginDraining()
                            logger.notice(
                                "shutdown: not ready any more; still serving until the delay is over",
                                metadata: ["signal": "\(signal)", "delay_seconds": "\(delay.inSeconds)"])
                            startClock.finish()
                        } else {
                            logger.notice(
                                "shutdown: second signal; closing the listener now",
                                metadata: [
                                    "signal": "\(signal)"
                                ])
                            endDelay.finish()
                        }
                    }
                }
                group.addTask {
                    for await _ in started {}
                    guard !Task.isCancelled else { return }
                    try? await Task.sleep(for: delay)
                    endDelay.finish()
                }
                for await _ in over {}
                group.cancelAll()
            }
        } onGracefulShutdown: {
            state.beginDraining()
            endDelay.finish()
        }
        logger.notice("shutdown: closing the listener; in-flight requests may finish")
    }
}
