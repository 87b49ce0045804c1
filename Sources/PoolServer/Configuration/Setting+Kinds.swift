import Foundation
import Logging
import PoolCore

/// The kinds of value settings take: each reads its text once into a typed field and names the variable when the
/// text does not fit.
extension Setting {
    typealias Field<Value> = any WritableKeyPath<GatewayConfiguration, Value> & Sendable

    static func text(_ name: String, _ field: Field<String>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in configuration[keyPath: field] = text },
            show: { $0[keyPath: field] }
        )
    }

    static func optionalText(
        _ name: String, _ field: Field<String?>, secret: Bool = false, defaultNote: String? = nil, _ summary: String
    ) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: secret, defaultNote: defaultNote,
            read: { text, configuration in configuration[keyPath: field] = text },
            show: { $0[keyPath: field] }
        )
    }

    /// Text sent as an upstream header field's value: a control character (CR, LF, …) would split the request head,
    /// so it stops the start instead.
    static func headerValue(_ name: String, _ field: Field<String?>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard text.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                    throw ConfigurationError("\(name) must not contain control characters (it is sent as a header)")
                }
                configuration[keyPath: field] = text
            },
            show: { $0[keyPath: field] }
        )
    }

    static func integer(_ name: String, _ field: Field<Int>, range: ClosedRange<Int>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard let number = Int(text), number >= range.lowerBound else {
                    throw ConfigurationError("\(name) must be a whole number ≥ \(range.lowerBound), got \"\(text)\"")
                }
                guard number <= range.upperBound else {
                    throw ConfigurationError("\(name) must be at most \(range.upperBound)")
                }
                configuration[keyPath: field] = number
            },
            show: { String($0[keyPath: field]) }
        )
    }

    static func seconds(_ name: String, _ field: Field<TimeInterval>, minimum: Double, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                configuration[keyPath: field] = try parseSeconds(text, name: name, minimum: minimum)
            },
            show: { formatSeconds($0[keyPath: field]) }
        )
    }

    /// Seconds between runs of a schedule: 0 turns it off, and anything between is refused, since a pass every few
    /// milliseconds would be a storm, not a schedule.
    static func interval(_ name: String, _ field: Field<TimeInterval>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                let seconds = try parseSeconds(text, name: name, minimum: 0)
                guard seconds == 0 || seconds >= 1 else {
                    throw ConfigurationError("\(name) must be 0 (off) or at least 1 second, got \"\(text)\"")
                }
                configuration[keyPath: field] = seconds
            },
            show: { formatSeconds($0[keyPath: field]) }
        )
    }

    static func url(_ name: String, _ field: Field<String>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard let url = URL(string: text), let scheme = url.scheme?.lowercased(),
                    scheme == "http" || scheme == "https", url.host != nil
                else {
                    throw ConfigurationError("\(name) must be an http:// or https:// URL, got \"\(text)\"")
                }
                configuration[keyPath: field] = text
            },
            show: { $0[keyPath: field] }
        )
    }

    static func logLevel(_ name: String, _ field: Field<Logger.Level>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard let level = Logger.Level(rawValue: text.lowercased()) else {
                    throw ConfigurationError(
                        "\(name) must be one of trace, debug, info, notice, warning, error, critical")
                }
                configuration[keyPath: field] = level
            },
            show: { $0[keyPath: field].rawValue }
        )
    }

    static func logFormat(_ name: String, _ field: Field<GatewayLogging.Format>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard let format = GatewayLogging.Format(rawValue: text.lowercased()) else {
                    let formats = GatewayLogging.Format.allCases.map(\.rawValue).joined(separator: " or ")
                    throw ConfigurationError("\(name) must be \(formats), got \"\(text)\"")
                }
                configuration[keyPath: field] = format
            },
            show: { $0[keyPath: field].rawValue }
        )
    }

    static func ollamaProbe(
        _ name: String, _ field: Field<KeyCheckConfiguration.OllamaProbe>, _ summary: String
    ) -> Setting {
        Setting(
            name: name, form: .value, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                guard
                    let kind = KeyCheckConfiguration.OllamaProbe.all.first(where: { $0.rawValue == text.lowercased() })
                else {
                    let kinds = KeyCheckConfiguration.OllamaProbe.all.map(\.rawValue).joined(separator: " or ")
                    throw ConfigurationError("\(name) must be \(kinds), got \"\(text)\"")
                }
                configuration[keyPath: field] = kind
            },
            show: { $0[keyPath: field].rawValue }
        )
    }

    static func toggle(_ name: String, _ field: Field<Bool>, _ summary: String) -> Setting {
        Setting(
            name: name, form: .toggle, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in configuration[keyPath: field] = try parseToggle(text, name: name) },
            show: { String($0[keyPath: field]) }
        )
    }

    /// A switch that turns a provider off.
    static func providerOff(_ name: String, _ provider: ProviderID, _ summary: String) -> Setting {
        Setting(
            name: name, form: .toggle, summary: summary, isSecret: false, defaultNote: nil,
            read: { text, configuration in
                if try parseToggle(text, name: name) {
                    configuration.upstream.disabledProviders.insert(provider)
                } else {
                    configuration.upstream.disabledProviders.remove(provider)
                }
            },
            show: { String($0.upstream.disabledProviders.contains(provider)) }
        )
    }

    private static func parseSeconds(_ text: String, name: String, minimum: Double) throws -> TimeInterval {
        guard let number = Double(text), number.isFinite, number >= minimum else {
            throw ConfigurationError("\(name) must be a number of seconds ≥ \(formatSeconds(minimum)), got \"\(text)\"")
        }
        return number
    }

    private static func parseToggle(_ text: String, name: String) throws -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError("\(name) must be true or false, got \"\(text)\"")
        }
    }

    /// `300`, not `300.0`; `0.1` stays.
    static func formatSeconds(_ seconds: TimeInterval) -> String {
        seconds.rounded() == seconds && abs(seconds) < 1e15 ? String(Int(seconds)) : String(seconds)
    }
}
