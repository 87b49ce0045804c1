import Prometheus

/// Every metric `/metrics` exports: its name (the Grafana dashboard and the README use exactly these), its help
/// line, and the histograms' buckets. Computed, not stored: the registry's descriptor type is not `Sendable`.
enum MetricsNames {
    /// Latency buckets, from 100 µs (the gateway's own overhead) to five minutes (a long stream).
    static let secondsBuckets: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
        300,
    ]
    /// Retries per request (attempts − 1).
    static let retryBuckets: [Double] = [0, 1, 2, 3, 5, 10]

    private static func name(_ base: String, _ unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: base, unitName: unit, helpText: help)
    }

    // Per request, counted on the request path (`MetricsRecorder`).
    static var requests: MetricNameDescriptor {
        name("pool_requests", "total", "Finished proxied requests by provider, route, status class and model.")
    }
    static var attempts: MetricNameDescriptor {
        name("pool_upstream_attempts", "total", "Upstream attempts by provider and outcome.")
    }
    static var retries: MetricNameDescriptor {
        name("pool_request_retries", "", "Retries (attempts - 1) per request that reached an upstream.")
    }
    static var requestDuration: MetricNameDescriptor {
        name("pool_request", "duration_seconds", "From the request head's arrival to the answer's last byte.")
    }
    static var upstreamFirstByte: MetricNameDescriptor {
        name(
            "pool_upstream", "ttfb_seconds",
            "Requests that reached an upstream: from the head's arrival to the answer's first byte going out.")
    }
    static var overhead: MetricNameDescriptor {
        name("pool_overhead", "seconds", "The gateway's own time per request: total minus waiting on upstreams.")
    }
    static var streamDuration: MetricNameDescriptor {
        name("pool_stream", "duration_seconds", "Relayed streams, from the first byte out to the last.")
    }
    static var streamsInFlight: MetricNameDescriptor {
        name("pool_streams_in_flight", "", "Streams being relayed now.")
    }
    static var tokens: MetricNameDescriptor {
        name("pool_tokens", "total", "Tokens the upstreams reported, by provider, model and kind.")
    }

    // State, read when scraped (`MetricsStateGauges`).
    static var keys: MetricNameDescriptor { name("pool_keys", "", "Keys in the pool by provider and status.") }
    static var cacheRequests: MetricNameDescriptor {
        name("pool_cache_requests", "total", "Lookups in the response cache and the model-list cache.")
    }
    static var refusals: MetricNameDescriptor {
        name("pool_refusals", "total", "Requests the gateway refused itself, by provider and reason.")
    }
    static var storeFlush: MetricNameDescriptor {
        name("pool_store_flush", "seconds", "Writing the counters to the store, per flush.")
    }
    static var storeFlushFailures: MetricNameDescriptor {
        name("pool_store_flush_failures", "total", "Flushes the store did not accept (retried at the next).")
    }
    static var feedBehind: MetricNameDescriptor {
        name("pool_change_feed_behind_revisions", "", "Store revisions this instance has not applied yet.")
    }
    static var feedSinceCatchUp: MetricNameDescriptor {
        name("pool_change_feed_seconds_since_catch_up", "", "Seconds since this instance last caught up.")
    }
    static var buildInfo: MetricNameDescriptor { name("pool_build_info", "", "The gateway's version; always 1.") }
    static var uptime: MetricNameDescriptor { name("pool_uptime", "seconds", "Seconds since the gateway started.") }
}
