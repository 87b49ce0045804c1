/// The settings as people read them: the README's configuration table, the `serve --help` list and
/// `ollama-pool settings`. All three come from ``GatewayConfiguration/settings``.
public enum SettingsDocumentation {
    /// The Markdown table the README's Configuration section holds (a test keeps the two equal).
    public static func markdownTable() -> String {
        var lines = ["| variable | flag | default | meaning |", "| --- | --- | --- | --- |"]
        for setting in GatewayConfiguration.settings {
            let documented = setting.documentedDefault
            let shownDefault = setting.defaultNote == nil && documented != "unset" ? "`\(documented)`" : documented
            lines.append("| `\(setting.name)` | `\(setting.flag)` | \(shownDefault) | \(setting.summary) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One entry per setting for `--help`: flag, variable, default, meaning.
    public static func helpText() -> String {
        GatewayConfiguration.settings.map { setting in
            let value = setting.form == .toggle ? "" : " <value>"
            return "  \(setting.flag)\(value)  (env \(setting.name), default \(setting.documentedDefault))\n"
                + "        \(plain(setting.summary))"
        }.joined(separator: "\n")
    }

    /// `NAME=value` lines with the effective values; secrets show only whether they are set.
    public static func effectiveValues(_ configuration: GatewayConfiguration) -> String {
        GatewayConfiguration.settings.map { setting in
            "\(setting.name)=\(setting.value(in: configuration) ?? "")"
        }.joined(separator: "\n") + "\n"
    }

    /// Markdown without its code marks and emphasis, for a terminal.
    private static func plain(_ markdown: String) -> String {
        String(markdown.filter { $0 != "`" && $0 != "*" })
    }
}
