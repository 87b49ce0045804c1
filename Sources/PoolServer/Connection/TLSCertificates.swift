import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The TLS context new connections are served with, built from `TLS_CERT_FILE` and `TLS_KEY_FILE` and rebuilt
/// when they change: open connections keep the context they started with, so a reload drops nothing.
final class TLSCertificates: Sendable {
    let files: GatewayConfiguration.TLSFiles
    private let current: Mutex<NIOSSLContext>

    /// Reads both files now; a missing or unreadable file, or a key that does not fit, stops the start.
    init(files: GatewayConfiguration.TLSFiles) throws {
        self.files = files
        self.current = Mutex(try Self.makeContext(files))
    }

    /// The context for a connection accepted now.
    var context: NIOSSLContext { current.withLock { $0 } }

    /// Re-reads the files; on failure the previous context stays in use and the error says why.
    func reload() throws {
        let context = try Self.makeContext(files)
        current.withLock { $0 = context }
    }

    private static func makeContext(_ files: GatewayConfiguration.TLSFiles) throws -> NIOSSLContext {
        guard let certificateFile = files.certificateFile, let keyFile = files.keyFile else {
            throw ConfigurationError("TLS needs both TLS_CERT_FILE and TLS_KEY_FILE")
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificateFile)
        } catch {
            throw ConfigurationError("TLS_CERT_FILE \(certificateFile) is not a readable PEM certificate chain")
        }
        guard !chain.isEmpty else { throw ConfigurationError("TLS_CERT_FILE \(certificateFile) holds no certificate") }
        do {
            key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        } catch {
            // The key's contents never reach a message.
            throw ConfigurationError("TLS_KEY_FILE \(keyFile) is not a readable PEM private key")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw ConfigurationError("TLS_CERT_FILE and TLS_KEY_FILE do not make a TLS context: \(error)")
        }
    }
}

/// Rebuilds the TLS context on SIGHUP, logging the outcome; a failed reload keeps the previous certificate.
struct TLSReloadService: Service {
    let certificates: TLSCertificates
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            do {
                try certificates.reload()
                logger.notice(
                    "TLS certificate reloaded", metadata: ["file": "\(certificates.files.certificateFile ?? "")"])
            } catch {
                logger.error(
                    "TLS certificate reload failed; the previous one stays in use", metadata: ["error": "\(error)"])
            }
        }
    }
}
