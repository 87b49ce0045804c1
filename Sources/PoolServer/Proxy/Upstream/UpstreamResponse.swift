import NIOCore
import NIOHTTP1

/// An upstream answer as async code sees it: the head at once, the body as it arrives, read from the upstream
/// only as fast as it is consumed.
struct UpstreamResponse: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: UpstreamResponseBody
}

/// A whole upstream answer, read before it is handed over.
struct UpstreamAnswer: Sendable {
    var status: HTTPResponseStatus
    var headers: HTTPHeaders
    var body: ByteBuffer
}

/// The body of an ``UpstreamResponse``: chunks as they arrive. Dropping it unread, or cancelling the task reading
/// it, closes the upstream connection at once.
struct UpstreamResponseBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    typealias Producer = NIOThrowingAsyncSequenceProducer<
        ByteBuffer, any Error, NIOAsyncSequenceProducerBackPressureStrategies.HighLowWatermark, BodyDemand
    >

    /// Asks the connection for more, or gives the answer up, from any thread.
    struct BodyDemand: NIOAsyncSequenceProducerDelegate {
        let exchange: NIOLoopBound<UpstreamExchange>

        func produceMore() {
            exchange.eventLoop.execute { exchange.value.demandMore() }
        }

        func didTerminate() {
            exchange.eventLoop.execute { exchange.value.cancel() }
        }
    }

    let chunks: Producer

    func makeAsyncIterator() -> Producer.AsyncIterator {
        chunks.makeAsyncIterator()
    }

    /// The whole body, at most `limit` bytes.
    /// - Throws: ``UpstreamError/bodyTooLarge(limit:)`` beyond the limit, or the transport's error.
    func collect(upTo limit: Int) async throws -> ByteBuffer {
        var collected = ByteBuffer()
        for try await var chunk in self {
            guard collected.readableBytes + chunk.readableBytes <= limit else {
                throw UpstreamError.bodyTooLarge(limit: limit)
            }
            if collected.readableBytes == 0 {
                collected = chunk
            } else {
                collected.writeBuffer(&chunk)
            }
        }
        return collected
    }
}

/// Turns an exchange's parts into an ``UpstreamResponse``: resumes the caller with the head, then feeds the body
/// sequence, holding the connection's reads back when the sequence's buffer is full.
final class AsyncResponseReceiver: UpstreamResponseReceiver {
    private var waitingForHead: CheckedContinuation<UpstreamResponse, any Error>?
    private var source: UpstreamResponseBody.Producer.Source?
    var wantsMore = true

    init(_ continuation: CheckedContinuation<UpstreamResponse, any Error>) {
        self.waitingForHead = continuation
    }

    func receiveHead(_ head: HTTPResponseHead, exchange: UpstreamExchange) {
        guard let continuation = waitingForHead else { return }
        waitingForHead = nil
        let made = UpstreamResponseBody.Producer.makeSequence(
            elementType: ByteBuffer.self, failureType: (any Error).self,
            backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2), finishOnDeinit: false,
            delegate: UpstreamResponseBody.BodyDemand(
                exchange: NIOLoopBound(exchange, eventLoop: exchange.eventLoop))
        )
        source = made.source
        continuation.resume(
            returning: UpstreamResponse(
                status: head.status, headers: head.headers, body: UpstreamResponseBody(chunks: made.sequence)))
    }

    func receiveBody(_ part: ByteBuffer) {
        guard let source else { return }
        switch source.yield(part) {
        case .produceMore: break
        case .stopProducing: wantsMore = false
        case .dropped: wantsMore = false
        }
    }

    func receiveEnd() {
        if let waitingForHead {
            self.waitingForHead = nil
            waitingForHead.resume(throwing: UpstreamError.remoteClosed)
        }
        source?.finish()
        source = nil
    }

    func receiveFailure(_ error: any Error) {
        if let waitingForHead {
            self.waitingForHead = nil
            waitingForHead.resume(throwing: error)
        }
        source?.finish(error)
        source = nil
    }
}

/// Collects a whole answer on the connection's event loop and resumes the caller once, with all of it.
final class CollectingReceiver: UpstreamResponseReceiver {
    private var waiting: CheckedContinuation<UpstreamAnswer, any Error>?
    private let limit: Int
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()
    private weak var exchange: UpstreamExchange?
    var wantsMore = true

    init(_ continuation: CheckedContinuation<UpstreamAnswer, any Error>, limit: Int) {
        self.waiting = continuation
        self.limit = limit
    }

    func receiveHead(_ head: HTTPResponseHead, exchange: UpstreamExchange) {
        self.head = head
        self.exchange = exchange
    }

    func receiveBody(_ part: ByteBuffer) {
        guard waiting != nil else { return }
        guard body.readableBytes + part.readableBytes <= limit else {
            resume(throwing: UpstreamError.bodyTooLarge(limit: limit))
            exchange?.cancel()
            return
        }
        if body.readableBytes == 0 {
            body = part
        } else {
            var part = part
            body.writeBuffer(&part)
        }
    }

    func receiveEnd() {
        guard let waiting, let head else {
            resume(throwing: UpstreamError.remoteClosed)
            return
        }
        self.waiting = nil
        waiting.resume(returning: UpstreamAnswer(status: head.status, headers: head.headers, body: body))
    }

    func receiveFailure(_ error: any Error) {
        resume(throwing: error)
    }

    private func resume(throwing error: any Error) {
        guard let waiting else { return }
        self.waiting = nil
        waiting.resume(throwing: error)
    }
}
