import Foundation
import PoolCore

/// The kinds of value the client-limit settings take.
extension Setting {
    /// A whole number where unset means unlimited.
    static func optionalLimit(_ name: String, _ field: Field<Int?>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: "unlimited",
            read: { text, configuration in
                guard let number = Int(text), number >= 0 else {
                    throw ConfigurationError("\(name) must be a whole number ≥ 0, got \"\(text)\"")
                }
                configuration[keyPath: field] = number
            },
            show: { $0[keyPath: field].map(String.init) }
        )
    }

    static func quotaPeriod(_ name: String, _ field: Field<QuotaPeriod?>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: "total",
            read: { text, configuration in
                guard let period = QuotaPeriod(rawValue: text.lowercased()) else {
                    throw ConfigurationError("\(name) must be day, month or total, got \"\(text)\"")
                }
                configuration[keyPath: field] = period
            },
            show: { $0[keyPath: field]?.rawValue }
        )
    }

    static func trustedProxies(_ name: String, _ field: Field<TrustedProxies>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: "none",
            read: { text, configuration in
                switch TrustedProxies.parse(text) {
                case .success(let proxies): configuration[keyPath: field] = proxies
                case .failure(let error):
                    throw ConfigurationError(
                        "\(name) must be comma-separated IP addresses or CIDR blocks; \"\(error.entry)\" is neither")
                }
            },
            show: { configuration in
                let networks = configuration[keyPath: field].networks
                return networks.isEmpty
                    ? nil
                    : networks.map { network in
                        let length = network.address.isIPv4 ? network.prefixLength - 96 : network.prefixLength
                        return "\(network.address)/\(length)"
                    }.joined(separator: ",")
            }
        )
    }
}
