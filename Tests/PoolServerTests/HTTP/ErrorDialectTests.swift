import PoolServer
import Testing

@Suite("Error dialect by path")
struct ErrorDialectTests {
    @Test(
        "each family of routes speaks its clients' error dialect",
        arguments: [
            ("/v1/chat/completions", ErrorDialect.openAI), ("/ollama/v1/models", .openAI),
            ("/openrouter/v1/embeddings", .openAI), ("/v1/unknown", .openAI), ("/v1", .openAI),
            ("/v1/messages", .anthropic), ("/ollama/v1/messages", .anthropic), ("/v1/messages/batches", .anthropic),
            ("/api/chat", .ollama), ("/api", .ollama), ("/admin/api-keys", .admin), ("/health", .admin),
            ("/v10/chat", .admin), ("/apis", .admin), ("/ollama", .admin), ("/", .admin),
        ]
    )
    func dialectByPath(path: String, expected: ErrorDialect) {
        #expect(ErrorDialect(path: path) == expected)
    }
}
