import PoolCore

/// The one place that builds a gateway's request observers from its parts: the request log, the metrics and the
/// access log each add theirs here with one line. Observers are called in this order on the request path.
enum GatewayObservers {
    /// The observers for `gateway`; `extra` come last (tests collect records with one).
    static func make(gateway: Gateway, extra: [any RequestObserver] = []) -> RequestObservers {
        var observers: [any RequestObserver] = []
        // REQUEST_LOG_SIZE=0 with REQUEST_LOG_DAYS=0 keeps nothing: then it is no observer, and costs nothing.
        if gateway.requestLog.isKeeping { observers.append(gateway.requestLog) }
        observers += extra
        return RequestObservers(observers)
    }
}
