/// Reads settings given on the command line: `--max-retries 5`, `--max-retries=5`, and switches such as
/// `--disable-ollama` (or `--disable-ollama=false`). Flags are applied after the environment, so they win.
public enum SettingFlags {
    /// Applies `arguments` to `configuration`.
    /// - Throws: `ConfigurationError` for an unknown flag, a missing value or a value the setting refuses.
    public static func apply(_ arguments: [String], to configuration: inout GatewayConfiguration) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else {
                throw ConfigurationError("unexpected argument '\(argument)'")
            }
            let (flag, inline) = split(argument)
            guard let setting = GatewayConfiguration.settings.first(where: { $0.flag == flag }) else {
                throw ConfigurationError("unknown option '\(flag)'; `ollama-pool settings` lists every setting")
            }
            let value: String
            if let inline {
                value = inline
            } else if setting.form == .toggle {
                value = "true"
            } else if let next = remaining.first, !next.hasPrefix("--") {
                value = next
                remaining.removeFirst()
            } else {
                throw ConfigurationError("\(flag) needs a value")
            }
            try setting.apply(value, to: &configuration)
        }
    }

    private static func split(_ argument: String) -> (flag: String, value: String?) {
        guard let equals = argument.firstIndex(of: "=") else { return (argument, nil) }
        return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
    }
}
