import ArgumentParser
import PoolServer

/// `ollama-pool`: the gateway's executable. `serve` runs the server; the other commands work on the configured
/// database directly.
@main
struct OllamaPool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ollama-pool",
        abstract: "A self-hosted gateway over a pool of Ollama / OpenRouter API keys.",
        version: GatewayVersion.current,
        subcommands: [Serve.self, Keys.self, Tokens.self],
        defaultSubcommand: Serve.self
    )
}
