import ArgumentParser
import PoolServer

/// `ollama-pool settings`: the effective value of every setting (environment and flags applied; secrets show
/// only whether they are set), or with `--markdown` the README's configuration table.
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Show the effective settings, or the table of every setting."
    )

    @Flag(help: "Print the Markdown table of every setting (the README's) instead of the effective values.")
    var markdown = false
    @OptionGroup var settings: SettingOptions

    func run() throws {
        if markdown {
            print(SettingsDocumentation.markdownTable(), terminator: "")
        } else {
            print(SettingsDocumentation.effectiveValues(try settings.configuration()), terminator: "")
        }
    }
}
