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
    ///
    /// Spawned and reaped here with `posix_spawn` and a blocking `waitpid`, not with Foundation's `Process`: a
    /// `Process` is also reaped by Foundation's own SIGCHLD handling, and waiting for whichever reaper got there
    /// first meant polling loops that held a cooperative thread for up to two minutes; with two such tests at
    /// once both of the machine's cooperative threads were held and the whole suite starved (PostgreSQL "not
    /// reachable within 60 s", HTTP read timeouts everywhere). This child is nobody else's: its wait ends when
    /// it does (`initdb` and `pg_ctl -w` take a second or two).
    private static func run(_ executable: String, _ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw ThrowawayPostgresError("\(executable) could not start (\(String(cString: strerror(spawned))))")
        }
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(pid, &status, 0) } while reaped < 0 && errno == EINTR
        let exitCode: Int32 = reaped == pid && (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
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
