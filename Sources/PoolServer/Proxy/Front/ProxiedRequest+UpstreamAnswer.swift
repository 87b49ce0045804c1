import NIOCore
import NIOHTTP1
import PoolCore

/// The upstream's answer to the current attempt, part by part: a failing status is read and dropped before the
/// next key (up to `discardLimit`), a whole answer is collected for the client, a stream starts at its first chunk.
extension ProxiedRequest: UpstreamResponseReceiver {

    func receiveHead(_ head: HTTPResponseHead, exchange: UpstreamExchange) {
        guard case .awaitingHead = attempt else { return }
        trace?.attemptStatus = Int(head.status.code)
        let outcome = engine.classify(head.status, head.headers)
        if outcome.shouldRetryOnAnotherKey {
            attempt = .discarding(outcome, bytes: 0)
        } else if wantsStream, outcome == .success {
            attempt = .awaitingFirstChunk(head)
        } else {
            collected = ByteBuffer()
            attempt = .collecting(head, outcome)
        }
    }

    func receiveBody(_ part: ByteBuffer) {
        switch attempt {
        case .discarding(let outcome, let bytes):
            guard bytes + part.readableBytes <= Self.discardLimit else {
                dropExchange()
                retry(after: outcome)
                return
            }
            attempt = .discarding(outcome, bytes: bytes + part.readableBytes)
        case .collecting:
            guard collected.readableBytes + part.readableBytes <= engine.limits.maxUpstreamResponseBytes else {
                dropExchange()
                collected = ByteBuffer()
                attemptFailed(UpstreamError.bodyTooLarge(limit: engine.limits.maxUpstreamResponseBytes))
                return
            }
            if collected.readableBytes == 0 {
                collected = part
            } else {
                var part = part
                collected.writeBuffer(&part)
            }
        case .awaitingFirstChunk(let head):
            startStream(head)
            relay(part)
        case .streaming:
            relay(part)
        case .none, .awaitingHead:
            break
        }
    }

    func receiveEnd() {
        switch attempt {
        case .discarding(let outcome, _):
            attempt = .none
            exchange = nil
            retry(after: outcome)
        case .collecting(let head, let outcome):
            attempt = .none
            exchange = nil
            let answer = collected
            collected = ByteBuffer()
            relayWhole(head, outcome: outcome, body: answer)
        case .awaitingFirstChunk(let head):
            startStream(head)
            finishStream()
        case .streaming:
            finishStream()
        case .none, .awaitingHead:
            break
        }
    }

    func receiveFailure(_ error: any Error) {
        switch attempt {
        case .awaitingHead, .collecting, .awaitingFirstChunk:
            attempt = .none
            exchange = nil
            collected = ByteBuffer()
            attemptFailed(error)
        case .discarding(let outcome, _):
            attempt = .none
            exchange = nil
            retry(after: outcome)
        case .streaming:
            streamBroke(error)
        case .none:
            break
        }
    }
}
