import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// `TLS_CERT_FILE` / `TLS_KEY_FILE` on the real binary: HTTPS with HSTS, and a new certificate after SIGHUP
/// without dropping the connections that are open.
@Suite("TLS served directly")
struct TLSTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/tls")

    static func fixture(_ name: String) -> URL { fixtures.appendingPathComponent(name) }

    /// A client that trusts exactly one of the fixture certificates.
    static func client(trusting name: String) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(fixture("\(name).cert.pem").path))
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout = .init(connect: .seconds(30), read: .seconds(60))
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }

    static func health(_ client: HTTPClient, port: Int, timeout: TimeAmount = .seconds(30)) async throws
        -> HTTPClientResponse
    {
        let response = try await client.execute(
            HTTPClientRequest(url: "https://127.0.0.1:\(port)/health"), timeout: timeout)
        _ = try await response.body.collect(upTo: 1 << 20)
        return response
    }

    @Test("HTTPS with HSTS; after SIGHUP new connections get the new certificate and open ones keep working")
    func servesAndReloads() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let certificate = folder.appendingPathComponent("cert.pem")
        let key = folder.appendingPathComponent("key.pem")
        try FileManager.default.copyItem(at: Self.fixture("first.cert.pem"), to: certificate)
        try FileManager.default.copyItem(at: Self.fixture("first.key.pem"), to: key)

        let server = try ServedBinary.start(
            folder: folder, environment: ["TLS_CERT_FILE": certificate.path, "TLS_KEY_FILE": key.path])
        defer { server.stop() }

        let first = try Self.client(trusting: "first")
        let second = try Self.client(trusting: "second")
        do {
            let answer = try await Self.health(first, port: server.port)
            #expect(answer.status == .ok)
            #expect(answer.headers.first(name: "strict-transport-security") == "max-age=31536000")
            await #expect(throws: (any Error).self) { 
                // Refused by the client (untrusted certificate); a short deadline, since the client retries.
                _ = try await Self.health(second, port: server.port, timeout: .seconds(3))
            }

            try FileManager.default.removeItem(at: certificate)
            try FileManager.default.removeItem(at: key)
            try FileManager.default.copyItem(at: Self.fixture("second.cert.pem"), to: certificate)
            try FileManager.default.copyItem(at: Self.fixture("second.key.pem"), to: key)
            server.signal(SIGHUP)
            #expect(server.waitForLog("TLS certificate reloaded"))

            #expect(try await Self.health(second, port: server.port).status == .ok)
            // The first client's pooled connection was opened before the reload and still answers.
            #expect(try await Self.health(first, port: server.port).status == .ok)
            // A plain-HTTP request to the TLS port is not served.
            let plain = try RawConnection(port: server.port)
            plain.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await !plain.readUntilClosed(seconds: 10).text.contains("\"status\""))
        } catch {
            Issue.record(error)
        }
        try await first.shutdown()
        try await second.shutdown()
    }

    @Test("a certificate file that cannot be read stops the start with a message naming it")
    func unreadableCertificate() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pool-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("missing.pem").path
        let key = Self.fixture("first.key.pem").path
        let run = try CLITests().run(
            ["serve", "--tls-cert-file", missing, "--tls-key-file", key],
            database: folder.appendingPathComponent("pool.sqlite"))
        #expect(run.status != 0)
        #expect(run.errors.contains("TLS_CERT_FILE \(missing) is not a readable PEM certificate chain"), "\(run.errors)")
        let keyText = try String(contentsOfFile: key, encoding: .utf8)
        let keyBody = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "-"
        #expect(!run.errors.contains(keyBody))
    }
}

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

    static func start(folder: URL, environment extra: [String: String]) throws -> ServedBinary {
        let process = Process()
        process.executableURL = CLITests.binary
        process.arguments = ["serve"]
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = "sqlite:" + folder.appendingPathComponent("pool.sqlite").path
        environment["ADMIN_TOKEN"] = "tls-admin-token-0123456789abcdef"
        environment["HOST"] = "127.0.0.1"
        environment["PORT"] = "0"
        environment["LOG_LEVEL"] = "notice"
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
            if let range = seen.range(of: #"port=(\d+)"#, options: .regularExpression), seen.contains("listening") {
                let port = Int(seen[range].dropFirst("port=".count)) ?? 0
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
