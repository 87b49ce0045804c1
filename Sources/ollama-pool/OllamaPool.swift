import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import PoolServer

/// `ollama-pool`: the gateway's executable. `serve` runs the server; the other commands work on the configured
/// database directly.
@main
struct OllamaPool: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ollama-pool",
        abstract: "A self-hosted gateway over a pool of Ollama / OpenRouter API keys.",
        version: GatewayVersion.current,
        subcommands: [
            Serve.self, Keys.self, Tokens.self, Providers.self, SettingsCommand.self, RotateEncryptionKey.self,
            Migrate.self,
            ImportReference.self,
        ],
        defaultSubcommand: Serve.self
    )

    /// Runs every Swift task on NIO's event loops, one loop per CPU this process may use, before anything else
    /// starts: a request is then served on the thread its socket lives on, with no hop between the server's loop,
    /// Swift's thread pool and the HTTP client's loop, and no more threads than CPUs to switch between.
    static func main() async {
        NIOSingletons.groupLoopCountSuggestion = usableCPUCount()
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot(nil)
            if var asynchronous = command as? any AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withRedacted: error)
        }
    }

    /// ArgumentParser's `exit(withError:)`, with database passwords taken out of the message: usage errors quote
    /// what was typed.
    private static func exit(withRedacted error: any Error) -> Never {
        let code = exitCode(for: error)
        let message = SecretRedaction.redactingURLPasswords(fullMessage(for: error))
        if !message.isEmpty {
            let handle = code == .success ? FileHandle.standardOutput : FileHandle.standardError
            handle.write(Data((message + "\n").utf8))
        }
        Foundation.exit(code.rawValue)
    }

    /// CPUs in this process's affinity mask (`taskset`, cpusets), capped by NIO's own count (which honours cgroup
    /// CPU quotas but not the affinity mask).
    private static func usableCPUCount() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let mask = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed:") })
        else { return System.coreCount }
        let allowed = mask.dropFirst("Cpus_allowed:".count).reduce(0) { count, digit in
            count + (digit.hexDigitValue ?? 0).nonzeroBitCount
        }
        return max(1, min(allowed, System.coreCount))
    }
}
