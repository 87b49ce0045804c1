/// Sorts keys into model families by the models they serve, so operators can see at a glance what a pool offers.
///
/// The reference service names a key after the family of its models (`kimi`, `llama`, `qwen`, else `general`);
/// this keeps its words and knows more families. The family of a key is the one most of its models belong to;
/// a tie goes to the family that appears first in the key's list, which is how the upstream orders its models.
public enum ModelCategory {
    /// The category of keys whose models belong to no known family, or whose models are unknown.
    public static let general = "general"

    /// Families in matching order: the first whose marker occurs in a model name wins, so more specific markers
    /// come first (`deepseek-r1-distill-qwen` is DeepSeek's model, `codellama` is a Llama).
    public static let families: [(category: String, markers: [String])] = [
        ("kimi", ["kimi", "moonshot"]),
        ("deepseek", ["deepseek"]),
        ("gpt-oss", ["gpt-oss"]),
        ("qwen", ["qwen", "qwq"]),
        ("llama", ["llama"]),
        ("glm", ["glm"]),
        ("gemma", ["gemma"]),
        ("gemini", ["gemini"]),
        ("mistral", ["mistral", "mixtral", "devstral", "magistral", "codestral"]),
        ("minimax", ["minimax"]),
        // A bare "phi" would also match names like "sophia".
        ("phi", ["phi3", "phi4", "phi-", "phi:"]),
    ]

    /// The family of one model name, or nil when it belongs to none.
    public static func family(of model: String) -> String? {
        let name = model.lowercased()
        return families.first { family in family.markers.contains { name.contains($0) } }?.category
    }

    /// The category of a key that serves `models`.
    public static func classify(models: [String]) -> String {
        var counts: [String: Int] = [:]
        var firstSeen: [String: Int] = [:]
        for (index, model) in models.enumerated() {
            guard let family = family(of: model) else { continue }
            counts[family, default: 0] += 1
            if firstSeen[family] == nil { firstSeen[family] = index }
        }
        let best = counts.max { lhs, rhs in
            lhs.value != rhs.value ? lhs.value < rhs.value : firstSeen[lhs.key]! > firstSeen[rhs.key]!
        }
        return best?.key ?? general
    }
}
