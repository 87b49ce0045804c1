import Foundation

/// The real binary serving on a free loopback port, with its standard error collected.
final class ServedBinary: @unchecked Sendable {
    let process: Process
    let port: Int
    private let errors: Pipe
    private let lock = NSLock()
    private var log = ""

    private init(process: Process, port: Int, errors: Pipe) {
        self.process = process
        self.port = port
        self.errors = errors
    }

    /// Starts `ollama-pool serve` with a database in `folder`; `softFileLimit` lowers the open-file soft limit
    /// it starts with (through the shell's `ulimit`).
    static func start(
        folder: URL, environment extra: [String: String] = [:], softFileLimit: Int? = nil
    ) throws -> ServedBinary {
        let process = Process()
        if let softFileLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -Sn \(softFileLimit) && exec \"$0\" serve", CLITests.binary.path]
        } else {
            process.executableURL = CLITests.binary
            process.arguments = ["serve"]
        }
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "sqlite:" + folder.appendingPathComponent("pool.sqlite").path
        environment["ADMIN_TOKEN"] = "tls-admin-token-0123456789abcdef"
        environment["HOST"] = "127.0.0.1"
        environment["PORT"] = "0"
        environment["LOG_LEVEL"] = "notice"
        // Tests stop it with SIGTERM and wait: no readiness delay unless a test asks for one.
        environment["SHUTDOWN_DELAY_SECONDS"] = "0"
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        var seen = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, process.isRunning {
            seen += String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            // `port=N` in the text format, `"port":"N"` with LOG_FORMAT=json.
            if let range = seen.range(of: #"port=(\d+)|"port":"(\d+)""#, options: .regularExpression),
                seen.contains("listening")
            {
                let port = Int(seen[range].filter(\.isNumber)) ?? 0
                let served = ServedBinary(process: process, port: port, errors: errors)
                served.append(seen)
                errors.fileHandleForReading.readabilityHandler = { handle in
                    served.append(String(decoding: handle.availableData, as: UTF8.self))
                }
                return served
            }
        }
        process.terminate()
        throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "gateway did not start: \(seen)"])
    }

    private func append(_ text: String) {
        lock.lock()
        log += text
        lock.unlock()
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Everything the gateway wrote to stderr so far.
    var errorOutput: String {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    /// Whether `text` appears in the log within `seconds`.
    func waitForLog(_ text: String, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            lock.lock()
            let found = log.contains(text)
            lock.unlock()
            if found { return true }
            usleep(20_000)
        }
        return false
    }

    func stop() {
        errors.fileHandleForReading.readabilityHandler = nil
        process.terminate()
        process.waitUntilExit()
    }
}
