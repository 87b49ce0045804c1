import Foundation
import Hummingbird
import PoolCore

/// The gateway's version, reported by `/health` and `--version`.
public enum GatewayVersion {
    public static let current = "0.1.0"
}
