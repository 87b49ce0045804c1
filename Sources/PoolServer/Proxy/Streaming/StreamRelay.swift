import Foundation
import Hummingbird
import NIOCore
import PoolCore
import ServiceLifecycle

/// Relays one upstream stream to the client chunk by chunk, as it arrives, with the writer's backpressure.
///
/// It cancels the upstream as soon as the client goes away (inbound close or a failed write), ends the stream
/// with an error event in the route's dialect when the upstream breaks mid-way or when a shutdown's grace
/// (`SHUTDOWN_GRACE_SECONDS`) runs out, and reports the attempt (with usage from the stream's tail) when the
/// stream is over.
final class StreamRelay: @unchecked Sendable {
    // The iterator is only touched by one task at a time: the handler that read the first chunk, then the
    // response body writer; that hand-over is why this class is @unchecked Sendable.
    private var iterator: UpstreamResponseBody.Producer.AsyncIterator
    private let first: ByteBuffer?
    private let lease: KeyLease
    private let started: ContinuousClock.Instant
    private let route: ProxyRoute
    private let model: String?
    private let dialect: ErrorDialect
    private let reporter: AttemptReporter

    init(
        iterator: UpstreamResponseBody.Producer.AsyncIterator, first: ByteBuffer?, lease: KeyLease,
        started: ContinuousClock.Instant, route: ProxyRoute, model: String?, dialect: ErrorDialect,
        reporter: AttemptReporter
    ) {
        self.iterator = iterator
        self.first = first
        self.lease = lease
        self.started = started
        self.route = route
        self.model = model
        self.dialect = dialect
        self.reporter = reporter
    }

    func run(writer: inout any ResponseBodyWriter, inbound: RequestBody) async throws {
        var tail = StreamTail()
        var framer = StreamFramer(framing: route.framing)
        var outcome: AttemptOutcome = .success
        var clientGone = false
        do {
            try await inbound.consumeWithCancellationOnInboundClose { _ in
                var next = first
                while let chunk = next {
                    tail.append(chunk.readableBytesView)
                    if let complete = framer.frame(chunk) { try await writer.write(complete) }
                    do {
                        next = try await iterator.next()
                    } catch {
                        if Task.isCancelled { throw CancellationError() }
                        let reason = UpstreamFailureReason.describe(error)
                        outcome = .upstreamFailure(reason: "stream broke: \(reason)")
                        // The unfinished event is dropped: half an event would break the client's parser.
                        _ = framer.finish()
                        try await writer.write(errorEvent("the upstream stream broke off: \(reason)"))
                        return
                    }
                }
                if let rest = framer.finish() { try await writer.write(rest) }
            }
        } catch {
            if outcome == .success { outcome = .cancelled }
            // Cancelled while the server shuts down: the grace ran out, and the client is told so. (A client that
            // left cannot read it; the write then fails quietly.)
            clientGone = !Task.isShuttingDownGracefully
            if !clientGone {
                _ = framer.finish()
                let notice = event(
                    for: GatewayError(
                        .serviceUnavailable, "the gateway is shutting down; this answer is incomplete",
                        type: "server_error"))
                // Every write in a cancelled task fails at once, so the last words go out from a task of their
                // own, while this one waits for it: the writer is never used by two tasks at a time.
                let transfer = WriterTransfer(writer: writer)
                await Task {
                    var writer = transfer.writer
                    try? await writer.write(notice)
                    try? await writer.finish(nil)
                }.value
                clientGone = true  // finished above
            }
        }
        let usage = outcome == .success ? UsageScanner.usage(in: tail.contents, format: route.usageFormat) : nil
        reporter.report(lease, outcome, started: started, provider: route.provider, usage: usage)
        // The attempt's outcome decides: a client that left mid-stream is not the upstream's failure.
        reporter.recordRequest(provider: route.provider, model: model, result: .streamEnded(outcome))
        if !clientGone { try await writer.finish(nil) }
    }

    /// The event that tells a client mid-stream that the upstream broke off, in the route's dialect.
    private func errorEvent(_ message: String) -> ByteBuffer {
        event(for: GatewayError(.badGateway, message, type: "upstream_error"))
    }

    /// An error as a stream event in the route's dialect.
    private func event(for error: GatewayError) -> ByteBuffer {
        switch dialect {
        case .openAI, .admin:
            return ByteBuffer(string: "data: " + error.body(in: .openAI) + "\n\n")
        case .anthropic:
            return ByteBuffer(string: "event: error\ndata: " + error.body(in: .anthropic) + "\n\n")
        case .ollama:
            return ByteBuffer(string: error.body(in: .ollama) + "\n")
        }
    }
}

/// Hands the response writer to the task that writes a stream's last event after a shutdown cancelled the
/// stream's own task; the owner waits for that task, so the writer is never used by two tasks at once.
private struct WriterTransfer: @unchecked Sendable {
    var writer: any ResponseBodyWriter
}
