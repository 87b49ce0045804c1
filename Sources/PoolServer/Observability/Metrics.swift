import Foundation
import PoolCore
import Prometheus
import Synchronization

/// One gateway's Prometheus metrics (`GET /metrics`, issue #16): a registry of its own (several gateways run in
/// one test process, so nothing is bootstrapped globally), the request observer that counts on the request path
/// (``MetricsRecorder``), the state read at scrape time (``MetricsStateGauges``) and the store flushes
/// (`StatsFlusher`). Exists only with `METRICS_ENABLED` (the default).
final class GatewayMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    /// The request observer (`GatewayObservers` registers it).
    let recorder: MetricsRecorder
    /// Scrape-time state; the lock also keeps two scrapes (two listeners) from interleaving their updates.
    private let state: Mutex<MetricsStateGauges>
    private let flushSeconds: ValueHistogram
    private let flushFailures: Counter

    init(sources: MetricsStateGauges.Sources) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        recorder = MetricsRecorder(registry: registry, providers: sources.providers())
        state = Mutex(MetricsStateGauges(registry: registry, sources: sources))
        flushSeconds = registry.makeValueHistogram(
            descriptor: MetricsNames.storeFlush, buckets: MetricsNames.secondsBuckets)
        flushFailures = registry.makeCounter(descriptor: MetricsNames.storeFlushFailures)
    }

    /// One flush of the counters to the store took `seconds`; `succeeded` false when the store refused it.
    func storeFlushed(seconds: Double, succeeded: Bool) {
        flushSeconds.record(seconds)
        if !succeeded { flushFailures.increment() }
    }

    /// The Prometheus text format (version 0.0.4) of every metric, state read now.
    func exposition() -> [UInt8] {
        state.withLock { state in
            state.update()
            recorder.updateGauges()
            var buffer: [UInt8] = []
            buffer.reserveCapacity(16 * 1024)
            registry.emit(into: &buffer)
            return buffer
        }
    }
}

extension Duration {
    /// The duration in seconds (metrics' histograms, log lines).
    var inSeconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
