import PoolCore
import Prometheus
import Synchronization

/// Counts every finished proxied request into the gateway's Prometheus registry: requests, attempts, retries,
/// latencies, streams and tokens. A ``RequestObserver``, so it runs on the request path: the series whose labels
/// are fixed (provider, outcome) are made up front and found by index; the ones that grow with traffic (model,
/// route) are found in ``MetricsLabelTable`` under one short lock; counting is atomics and each histogram's lock.
final class MetricsRecorder: RequestObserver {
    /// The series of one provider whose labels are known up front.
    private final class ProviderSeries: Sendable {
        /// `pool_upstream_attempts_total`, indexed by ``RequestRecord/AttemptResult/metricsIndex``.
        let attempts: [Counter]
        let retries: ValueHistogram
        let firstByte: ValueHistogram
        let overhead: ValueHistogram
        let streamDuration: ValueHistogram
        /// Streams started and not yet finished (read into `pool_streams_in_flight` when scraped).
        let streams = Atomic<Int>(0)

        init(
            attempts: [Counter], retries: ValueHistogram, firstByte: ValueHistogram, overhead: ValueHistogram,
            streamDuration: ValueHistogram
        ) {
            self.attempts = attempts
            self.retries = retries
            self.firstByte = firstByte
            self.overhead = overhead
            self.streamDuration = streamDuration
        }
    }

    /// The label table and each provider's series, by the table's provider index; a provider added to the
    /// catalog while running gets its series on its first request.
    private struct Labels {
        var table: MetricsLabelTable
        var series: [ProviderSeries] = []
        var inFlight: [Gauge] = []
    }

    private let registry: PrometheusCollectorRegistry
    private let labels: Mutex<Labels>

    init(registry: PrometheusCollectorRegistry, providers: [ProviderID] = ProviderID.builtIn) {
        self.registry = registry
        var labels = Labels(table: MetricsLabelTable(registry: registry, providers: []))
        for provider in providers { _ = Self.index(of: provider, in: &labels, registry: registry) }
        self.labels = Mutex(labels)
    }

    /// The providers with series, in the order they were first seen.
    var providers: [ProviderID] { labels.withLock { $0.table.providers } }

    /// The provider's index; a new provider's series are made here.
    private static func index(
        of provider: ProviderID, in labels: inout Labels, registry: PrometheusCollectorRegistry
    ) -> Int {
        let (index, isNew) = labels.table.index(of: provider)
        guard isNew else { return index }
        let label = [("provider", provider.rawValue)]
        labels.series.append(
            ProviderSeries(
                attempts: RequestRecord.AttemptResult.allCases.map { result in
                    registry.makeCounter(
                        descriptor: MetricsNames.attempts, labels: label + [("outcome", result.rawValue)])
                },
                retries: registry.makeValueHistogram(
                    descriptor: MetricsNames.retries, labels: label, buckets: MetricsNames.retryBuckets),
                firstByte: registry.makeValueHistogram(
                    descriptor: MetricsNames.upstreamFirstByte, labels: label, buckets: MetricsNames.secondsBuckets),
                overhead: registry.makeValueHistogram(
                    descriptor: MetricsNames.overhead, labels: label, buckets: MetricsNames.secondsBuckets),
                streamDuration: registry.makeValueHistogram(
                    descriptor: MetricsNames.streamDuration, labels: label, buckets: MetricsNames.secondsBuckets)))
        labels.inFlight.append(registry.makeGauge(descriptor: MetricsNames.streamsInFlight, labels: label))
        return index
    }

    func streamStarted(provider: ProviderID) {
        let registry = self.registry
        let series = labels.withLock { $0.series[Self.index(of: provider, in: &$0, registry: registry)] }
        series.streams.add(1, ordering: .relaxed)
    }

    func requestFinished(_ record: RequestRecord) {
        let statusClass = Self.statusClass(record.status)
        let withTokens = record.promptTokens != nil || record.completionTokens != nil
        let registry = self.registry
        let (provider, labelled) = labels.withLock { labels in
            let index = Self.index(of: record.provider, in: &labels, registry: registry)
            return (
                labels.series[index],
                labels.table.series(provider: index, record: record, statusClass: statusClass, withTokens: withTokens)
            )
        }
        labelled.requests.increment()
        labelled.duration.record(record.seconds)
        provider.overhead.record(record.overheadSeconds)
        if let tokens = labelled.tokens {
            if let prompt = record.promptTokens, prompt > 0 { tokens.prompt.increment(by: Int64(prompt)) }
            if let completion = record.completionTokens, completion > 0 {
                tokens.completion.increment(by: Int64(completion))
            }
        }
        if !record.attempts.isEmpty {
            for attempt in record.attempts { provider.attempts[attempt.result.metricsIndex].increment() }
            provider.retries.record(Double(record.attempts.count - 1))
            if let firstByte = record.firstByteSeconds { provider.firstByte.record(firstByte) }
        }
        if Self.wasRelayedStream(record) {
            provider.streams.subtract(1, ordering: .relaxed)
            provider.streamDuration.record(max(0, record.seconds - (record.firstByteSeconds ?? record.seconds)))
        }
    }

    /// Sets `pool_streams_in_flight` from the streams counted; called when scraped.
    func updateGauges() {
        labels.withLock { labels in
            for (index, provider) in labels.series.enumerated() {
                labels.inFlight[index].set(to: Double(max(0, provider.streams.load(ordering: .relaxed))))
            }
        }
    }

    /// How many models have a `model` label of their own (the rest are `other`).
    var labelledModelCount: Int { labels.withLock { $0.table.labelledModelCount } }

    /// A stream whose first byte went out (`streamStarted` was called for it): only an upstream's 2xx answer to a
    /// request that asked for a stream is relayed as one; the response cache never holds streams.
    static func wasRelayedStream(_ record: RequestRecord) -> Bool {
        record.stream && !record.cached && !record.attempts.isEmpty && (200..<300).contains(record.status)
            && record.firstByteSeconds != nil
    }

    /// 1…5 for `1xx`…`5xx`; a status outside 100…599 (none should reach here) counts as `5xx`.
    static func statusClass(_ status: Int) -> Int {
        (100..<600).contains(status) ? status / 100 : 5
    }

}

extension RequestRecord.AttemptResult {
    /// The position in `allCases`, without hashing the raw value.
    var metricsIndex: Int {
        switch self {
        case .success: 0
        case .rejected: 1
        case .rateLimited: 2
        case .outOfCredit: 3
        case .failed: 4
        case .cancelled: 5
        case .clientError: 6
        }
    }
}
