import PoolCore

/// Something told about every proxied request once it has ended (the request log, the metrics, the access log).
/// Called on the client connection's event loop, on the request path: an observer must not block, do I/O or
/// `await`; it copies what it needs into memory and leaves persistence to a batch writer of its own.
protocol RequestObserver: Sendable {
    /// A stream's first byte went to the client (its record follows in `requestFinished`, with `stream` true).
    func streamStarted(provider: ProviderID)
    func requestFinished(_ record: RequestRecord)
}

extension RequestObserver {
    func streamStarted(provider: ProviderID) {}
}

/// The observers of one gateway, called in order. Empty when nothing observes (then the front builds no record).
struct RequestObservers: Sendable {
    let observers: [any RequestObserver]

    init(_ observers: [any RequestObserver] = []) {
        self.observers = observers
    }

    var isEmpty: Bool { observers.isEmpty }

    func streamStarted(provider: ProviderID) {
        for observer in observers { observer.streamStarted(provider: provider) }
    }

    func requestFinished(_ record: RequestRecord) {
        for observer in observers { observer.requestFinished(record) }
    }
}
