import ArgumentParser
import Foundation
import PoolServer

/// `--base-url`, `--weight`, `--tier` of `keys add` and `keys import`: the server the keys are for (a self-hosted
/// one) and their place in the selection. An imported entry's own values win.
struct KeyPlacementOptions: ParsableArguments {
    @Option(help: "The keys' own server (http:// or https://), e.g. a self-hosted Ollama at http://gpu1:11434.")
    var baseURL: String?
    @Option(help: "Share of the picks within the tier, 1…100 (default 1).") var weight: Int?
    @Option(help: "Tier, 1…9 (default 1): tier 2 serves only while no tier-1 key is usable.") var tier: Int?

    /// The defaults these options give, checked.
    func defaults() throws -> ImportDefaults {
        do {
            return try ImportDefaults.checked(baseURL: baseURL, weight: weight, tier: tier)
        } catch {
            throw ValidationError(error.message.replacingOccurrences(of: "base_url", with: "--base-url"))
        }
    }
}
