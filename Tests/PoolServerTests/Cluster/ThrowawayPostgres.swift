import Foundation

/// A PostgreSQL server of the test's own, which it may stop and start again (the shared one `scripts/test`
/// starts serves every other test): the same steps as `scripts/test` — `initdb` in a temporary folder as the
/// `postgres` user when run as root, `pg_ctl` on a free loopback port, no fsync.
final class ThrowawayPostgres: Sendable {
    let port: Int
    private let folder: URL
    private let bin: URL
    private let asRoot: Bool

    /// The URL of its `postgres` database (the cluster trusts loopback connections).
    var url: String { "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable" }

    /// Creates and starts a cluster.
    init() throws {
        let versions = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")
            .sorted { $0.compare($1, options: .numeric) == .orderedAscending }
        guard let version = versions.last else { throw ThrowawayPostgresError("PostgreSQL is not installed") }
        bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("throwaway-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        asRoot = getuid() == 0
        if asRoot { try Self.run("/bin/chown", ["postgres", folder.path]) }
        port = try Self.freePort()
        try tool(
            "initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        try start()
    }

    private var data: String { folder.appendingPathComponent("data").path }

    func start() throws {
        try tool(
            "pg_ctl",
            [
                "-D", data, "-l", folder.appendingPathComponent("server.log").path, "-w", "-t", "60", "start", "-o",
                "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(folder.path) "
                    + "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            ])
    }

    /// Stops the server at once (fast shutdown: connections are cut).
    func stop() throws {
        try tool("pg_ctl", ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"])
    }

    /// Stops the server if it runs and removes its folder.
    func remove() {
        try? stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private func tool(_ name: String, _ arguments: [String]) throws {
        let path = bin.appendingPathComponent(name).path
        if asRoot {
            try Self.run("/usr/sbin/runuser", ["-u", "postgres", "--", path] + arguments)
        } else {
            try Self.run(path, arguments)
        }
    }

    /// Runs a tool to its end. Its output goes nowhere: the server `pg_ctl start` leaves running would hold a
    /// pipe open for as long as it runs (the server's own log is in the folder).
    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Reaped here: Foundation's `waitUntilExit` was seen to hang on a `runuser` that had exited (its
        // `pg_ctl start` leaves a daemon behind).
        let pid = process.processIdentifier
        var status: Int32 = 0
        var exitCode: Int32 = -1
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid {
                exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                break
            }
            if reaped < 0 {  // reaped by Foundation meanwhile, which may not have recorded the end yet
                while process.isRunning && Date() < deadline { usleep(20_000) }
                exitCode = process.isRunning ? -1 : process.terminationStatus
                break
            }
            usleep(20_000)
        }
        guard exitCode == 0 else {
            throw ThrowawayPostgresError(
                "\(executable) \(arguments.prefix(4).joined(separator: " ")) failed (\(exitCode))")
        }
    }

    /// A loopback port nobody listens on now.
    private static func freePort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw ThrowawayPostgresError("no socket") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
            }
        }
        guard bound else { throw ThrowawayPostgresError("cannot bind a loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct ThrowawayPostgresError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
