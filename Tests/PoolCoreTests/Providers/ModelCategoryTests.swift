import PoolCore
import Testing

@Suite("Model categories")
struct ModelCategoryTests {
    @Test(
        "a model name belongs to the first family whose marker it contains",
        arguments: [
            ("kimi-k2:1t", "kimi"), ("kimi-k2-thinking:cloud", "kimi"), ("moonshotai/kimi-k2", "kimi"),
            ("deepseek-v3.1:671b", "deepseek"), ("deepseek-r1-distill-qwen-32b", "deepseek"),
            ("gpt-oss:20b", "gpt-oss"), ("gpt-oss:120b-cloud", "gpt-oss"),
            ("qwen3-coder:480b", "qwen"), ("Qwen2.5:7B", "qwen"), ("qwq:32b", "qwen"),
            ("llama3.2:1b", "llama"), ("codellama:7b", "llama"), ("meta-llama/llama-3.1-8b", "llama"),
            ("glm-4.6:cloud", "glm"), ("gemma3:27b", "gemma"), ("gemini-3-pro-preview", "gemini"),
            ("mistral-small", "mistral"), ("mixtral:8x7b", "mistral"), ("devstral:24b", "mistral"),
            ("minimax-m2:cloud", "minimax"), ("phi4:14b", "phi"), ("phi3:mini", "phi"),
        ])
    func family(model: String, family: String) {
        #expect(ModelCategory.family(of: model) == family)
    }

    @Test("names of no known family have none", arguments: ["nomic-embed-text", "sophia-7b", "starling-lm:7b", ""])
    func noFamily(model: String) {
        #expect(ModelCategory.family(of: model) == nil)
    }

    @Test(
        "a key's category is the family most of its models belong to",
        arguments: [
            (["qwen3:8b", "llama3.2:1b", "qwen2.5:7b"], "qwen"),
            (["gpt-oss:20b", "gpt-oss:120b", "kimi-k2:1t"], "gpt-oss"),
            (["deepseek-v3.1:671b", "nomic-embed-text", "starling-lm"], "deepseek"),
        ])
    func majority(models: [String], category: String) {
        #expect(ModelCategory.classify(models: models) == category)
    }

    @Test(
        "a tie goes to the family listed first",
        arguments: [
            (["kimi-k2:1t", "qwen3:8b"], "kimi"),
            (["qwen3:8b", "kimi-k2:1t"], "qwen"),
            (["nomic-embed-text", "llama3:8b", "gemma3:4b"], "llama"),
        ])
    func tie(models: [String], category: String) {
        #expect(ModelCategory.classify(models: models) == category)
    }

    @Test(
        "keys with no model of a known family, or no models, are general",
        arguments: [
            [String](), ["nomic-embed-text"], ["starling-lm:7b", "orca-mini"],
        ])
    func general(models: [String]) {
        #expect(ModelCategory.classify(models: models) == ModelCategory.general)
    }
}
