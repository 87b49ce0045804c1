/// The samples of a Prometheus text exposition, read line by line as a scraper reads them (comments skipped,
/// label values unescaped), so tests check what a scraper would see rather than the registry's objects.
struct MetricsText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    let samples: [Sample]
    /// The `# TYPE` lines: metric family → type.
    let types: [String: String]

    init(_ text: String) {
        var samples: [Sample] = []
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.dropFirst(7).split(separator: " ")
                if parts.count == 2 { types[String(parts[0])] = String(parts[1]) }
                continue
            }
            if line.hasPrefix("#") { continue }
            if let sample = Self.sample(Substring(line)) { samples.append(sample) }
        }
        self.samples = samples
        self.types = types
    }

    private static func sample(_ line: Substring) -> Sample? {
        var labels: [String: String] = [:]
        let name: Substring
        var rest: Substring
        if let brace = line.firstIndex(of: "{") {
            name = line[..<brace]
            rest = line[line.index(after: brace)...]
            while !rest.hasPrefix("}") {
                guard let equals = rest.firstIndex(of: "=") else { return nil }
                let label = String(rest[..<equals])
                rest = rest[rest.index(equals, offsetBy: 2)...]  // past `="`
                var value = ""
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        rest = rest.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(character)
                    }
                }
                rest = rest.dropFirst()  // the closing quote
                if rest.hasPrefix(",") { rest = rest.dropFirst() }
                labels[label] = value
            }
            rest = rest.dropFirst()
        } else {
            guard let space = line.firstIndex(of: " ") else { return nil }
            name = line[..<space]
            rest = line[space...]
        }
        let text = rest.trimmingPrefix(" ")
        let number = text == "+Inf" ? Double.infinity : Double(text)
        guard let number else { return nil }
        return Sample(name: String(name), labels: labels, value: number)
    }

    /// The samples named `name` whose labels include `labels`.
    func matching(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 when there are none).
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Double {
        matching(name, labels).reduce(0) { $0 + $1.value }
    }
}
