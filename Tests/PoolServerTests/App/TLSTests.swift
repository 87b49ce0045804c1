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

    static func health(
        _ client: HTTPClient, port: Int, timeout: TimeAmount = .seconds(30)
    ) async throws
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
        #expect(
            run.errors.contains("TLS_CERT_FILE \(missing) is not a readable PEM certificate chain"), "\(run.errors)")
        let keyText = try String(contentsOfFile: key, encoding: .utf8)
        let keyBody = keyText.split(separator: "\n").dropFirst().first.map(String.init) ?? "-"
        #expect(!run.errors.contains(keyBody))
    }
}
