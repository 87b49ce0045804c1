/// One configuration item, declared once: its environment variable (from which its `serve` flag follows), how a
/// text value is read into `GatewayConfiguration`, how the effective value reads back, and what it means. The
/// environment parsing, the command line, `ollama-pool settings` and the README's table all come from
/// ``GatewayConfiguration/settings``.
public struct Setting: Sendable {
    /// Whether the flag takes a value (`--port 8080`) or is a switch (`--disable-ollama`).
    public enum Form: Sendable, Equatable {
        case value
        /// A switch on the command line; `true`/`false` (and `1`/`0`, `yes`/`no`, `on`/`off`) in the environment.
        case toggle
    }

    /// The environment variable, e.g. `MAX_RETRIES`.
    public let name: String
    public let form: Form
    /// What the value means, in a sentence or two (Markdown: the README renders it).
    public let summary: String
    /// A secret is never shown back, only whether it is set.
    public let isSecret: Bool
    /// What the defaults table shows instead of the default value (e.g. "generated").
    let defaultNote: String?
    let read: @Sendable (_ text: String, _ configuration: inout GatewayConfiguration) throws -> Void
    let show: @Sendable (_ configuration: GatewayConfiguration) -> String?

    /// The command-line flag: the variable in lower case with dashes, e.g. `--max-retries`.
    public var flag: String { "--" + String(name.lowercased().map { $0 == "_" ? "-" : $0 }) }

    /// The effective value in `configuration` as text; `set`/nil for secrets.
    public func value(in configuration: GatewayConfiguration) -> String? {
        let shown = show(configuration)
        return isSecret ? shown.map { _ in "set" } : shown
    }

    /// The default as documented: the value in a fresh configuration, or the note that stands for it.
    public var documentedDefault: String {
        defaultNote ?? value(in: GatewayConfiguration()) ?? "unset"
    }

    /// Reads `text` into `configuration`, failing with a message that names the variable.
    public func apply(_ text: String, to configuration: inout GatewayConfiguration) throws {
        try read(text, &configuration)
    }
}
