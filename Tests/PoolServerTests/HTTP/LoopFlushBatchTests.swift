import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import PoolServer

/// Flushes held to the end of the loop's wake-up: together, in order, none lost, none held past the wake-up.
@Suite("Loop flush batch")
struct LoopFlushBatchTests {
    /// Keeps its context, the one the batch flushes.
    final class ContextKeeper: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    }

    /// Sits before the keeper: `onFlush` runs when the keeper's flush passes.
    final class FlushWatcher: ChannelOutboundHandler {
        typealias OutboundIn = ByteBuffer
        var onFlush: (() -> Void)?

        func flush(context: ChannelHandlerContext) {
            onFlush?()
            context.flush()
        }
    }

    struct Channel {
        let channel: EmbeddedChannel
        let watcher = FlushWatcher()
        let keeper = ContextKeeper()

        init(loop: EmbeddedEventLoop) throws {
            channel = EmbeddedChannel(loop: loop)
            try channel.pipeline.syncOperations.addHandlers([watcher, keeper])
        }

        /// Writes `text` (unflushed) and asks the batch to flush it.
        func send(_ text: String) {
            let context = keeper.context!
            context.write(NIOAny(ByteBuffer(string: text)), promise: nil)
            LoopFlushBatch.flush(context)
        }

        /// What reached the wire so far.
        func sent() throws -> [String] {
            var texts: [String] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { texts.append(String(buffer: buffer)) }
            return texts
        }
    }

    struct Observed: Sendable {
        var beforeRun: [[String]] = []
        var afterRun: [[String]] = []
        var otherLoopAtOnce: [String] = []
        var secondWakeUp: [String] = []
    }

    /// Runs `body` on a thread of its own (the batch is per thread), where embedded loops can be made and run.
    func onFreshThread(_ body: @escaping @Sendable () throws -> Observed) async throws -> Observed {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let observed = try await group.next().submit(body).get()
            try await group.shutdownGracefully()
            return observed
        } catch {
            try await group.shutdownGracefully()
            throw error
        }
    }

    @Test("writes of several connections leave together once the wake-up's work is done")
    func flushesAtTheEndOfTheWakeUp() async throws {
        let observed = try await onFreshThread {
            let loop = EmbeddedEventLoop()
            let first = try Channel(loop: loop)
            let second = try Channel(loop: loop)
            let chained = try Channel(loop: loop)
            let other = try Channel(loop: EmbeddedEventLoop())
            // A flush that, as it happens, asks for another: it goes out in the same pass.
            second.watcher.onFlush = { chained.send("chained") }
            var observed = Observed()

            first.send("a1")
            second.send("b1")
            first.send("a2")
            other.send("other loop")
            observed.otherLoopAtOnce = try other.sent()
            observed.beforeRun = [try first.sent(), try second.sent(), try chained.sent()]
            loop.run()
            observed.afterRun = [try first.sent(), try second.sent(), try chained.sent()]

            first.send("a3")
            loop.run()
            observed.secondWakeUp = try first.sent()
            return observed
        }
        #expect(observed.beforeRun == [[], [], []])
        #expect(observed.afterRun == [["a1", "a2"], ["b1"], ["chained"]])
        #expect(observed.otherLoopAtOnce == ["other loop"])
        #expect(observed.secondWakeUp == ["a3"])
    }
}
