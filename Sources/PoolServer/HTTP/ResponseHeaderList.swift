import NIOHTTP1

/// A proxied answer's headers while the front puts them together, written as bytes once, as the head leaves
/// (``HTTPAnswerEncoder``). Every name here is the gateway's own or one NIO's parser read from an upstream answer
/// (ASCII by then). Fields are a struct, not a tuple: an array of tuples is destroyed field by field through the
/// runtime's generic tuple code, on every request.
struct ResponseHeaderList {
    struct Field {
        let name: String
        let value: String
    }

    private(set) var fields: [Field] = []

    init(capacity: Int = 16) {
        fields.reserveCapacity(capacity)
    }

    init(_ headers: HTTPHeaders) {
        self.init(capacity: headers.count + 8)
        for (name, value) in headers { fields.append(Field(name: name, value: value)) }
    }

    mutating func add(_ name: String, _ value: String) {
        fields.append(Field(name: name, value: value))
    }

    /// Whether a field of this lower-case name is present, its name compared without regard to case.
    func contains(_ lowercaseName: String) -> Bool {
        fields.contains { HeaderPolicy.equalsIgnoringCase($0.name, lowercaseName) }
    }

    /// Sets a field of this lower-case name, dropping any other of that name.
    mutating func replaceOrAdd(_ lowercaseName: String, _ value: String) {
        fields.removeAll { HeaderPolicy.equalsIgnoringCase($0.name, lowercaseName) }
        fields.append(Field(name: lowercaseName, value: value))
    }

    var httpHeaders: HTTPHeaders { HTTPHeaders(fields.map { ($0.name, $0.value) }) }
}
