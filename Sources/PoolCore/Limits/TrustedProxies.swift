/// The proxies in front of the gateway (`TRUSTED_PROXIES`, comma-separated CIDR blocks): a request whose socket
/// peer is one of them is attributed to the right-most address of `X-Forwarded-For` that is not (each proxy
/// appends what it saw, so addresses left of the last untrusted one are the client's own claims and ignored).
public struct TrustedProxies: Sendable, Equatable {
    public let networks: [IPNetwork]

    public init(_ networks: [IPNetwork] = []) {
        self.networks = networks
    }

    /// Parses the setting's text.
    /// - Returns: a failure naming the first entry that is not a CIDR block.
    public static func parse(_ text: String) -> Result<TrustedProxies, TrustedProxiesError> {
        var networks: [IPNetwork] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingSpaces
            guard !trimmed.isEmpty else { continue }
            guard let network = IPNetwork(trimmed) else { return .failure(TrustedProxiesError(entry: String(trimmed))) }
            networks.append(network)
        }
        return .success(TrustedProxies(networks))
    }

    public var isEmpty: Bool { networks.isEmpty }

    public func trusts(_ address: IPAddress) -> Bool {
        networks.contains { $0.contains(address) }
    }

    /// The client's address: the peer's, unless the peer is trusted and `forwardedFor` (the header's values, in
    /// order) names someone; then the right-most untrusted address (the left-most when all are trusted).
    /// Unparsable entries end the walk: what a trusted proxy appended is garbage, so the peer is used.
    public func clientAddress(peer: String, forwardedFor: [String]) -> String {
        guard !networks.isEmpty, let peerAddress = IPAddress(peer), trusts(peerAddress) else { return peer }
        let hops = forwardedFor.flatMap { $0.split(separator: ",") }.map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        var candidate: IPAddress?
        for hop in hops.reversed() {
            guard let address = IPAddress(hop) else { return candidate?.description ?? peer }
            candidate = address
            if !trusts(address) { return address.description }
        }
        return candidate?.description ?? peer
    }
}

/// A `TRUSTED_PROXIES` entry that is not a CIDR block.
public struct TrustedProxiesError: Error, Equatable, Sendable {
    public let entry: String

    public init(entry: String) { self.entry = entry }
}
