import NIOHTTP1

/// A proxied answer's headers while the front puts them together, turned into NIO's `HTTPHeaders` once, as the
/// head leaves. Every name here is the gateway's own or one NIO's parser read from an upstream answer (ASCII by
/// then): adding to `HTTPHeaders` one by one would check each name again and grow its storage step by step.
struct ResponseHeaderList {
    private(set) var fields: [(String, String)] = []

    init(capacity: Int = 16) {
        fields.reserveCapacity(capacity)
    }

    init(_ headers: HTTPHeaders) {
        self.init(capacity: headers.count + 8)
        for (name, value) in headers { fields.append((name, value)) }
    }

    mutating func add(_ name: String, _ value: String) {
        fields.append((name, value))
    }

    /// Whether a field of this lower-case name is present, its name compared without regard to case.
    func contains(_ lowercaseName: String) -> Bool {
        fields.contains { $0.0.utf8.count == lowercaseName.utf8.count && $0.0.lowercased() == lowercaseName }
    }

    /// Sets a field of this lower-case name, dropping any other of that name.
    mutating func replaceOrAdd(_ lowercaseName: String, _ value: String) {
        fields.removeAll { $0.0.utf8.count == lowercaseName.utf8.count && $0.0.lowercased() == lowercaseName }
        fields.append((lowercaseName, value))
    }

    var httpHeaders: HTTPHeaders { HTTPHeaders(fields) }
}
