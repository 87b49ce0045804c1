import ArgumentParser
import Foundation
import PoolCore
import PoolServer
import PoolStore

extension Keys {
    /// `ollama-pool keys set-placement ID --weight N --tier N`: a running gateway picks the change up from the
    /// store's change log within a second.
    struct SetPlacement: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-placement", abstract: "Change a key's weight and/or tier.")

        @Argument(help: "The key's id (k_…).") var id: String
        @Option(help: "Share of the picks within the tier, 1…100.") var weight: Int?
        @Option(help: "Tier, 1…9.") var tier: Int?
        @OptionGroup var settings: SettingOptions

        func run() async throws {
            guard weight != nil || tier != nil else { throw ValidationError("give --weight and/or --tier") }
            let placement = try await settings.withGateway { gateway -> KeyPlacement? in
                guard let view = gateway.pool.view(id: id) else { return nil }
                let placement: KeyPlacement
                switch KeyPlacement.checked(weight: weight ?? view.placement.weight, tier: tier ?? view.placement.tier)
                {
                case .success(let checked): placement = checked
                case .failure(let error): throw ValidationError(error.message)
                }
                try await gateway.store.updateKeyPlacements([KeyPlacementRecord(keyID: id, placement: placement)])
                return placement
            }
            guard let placement else { throw ValidationError("no key with id \(id)") }
            print("updated \(id): weight \(placement.weight), tier \(placement.tier)")
        }
    }
}
