import NIOCore
import NIOPosix

/// Flushes held back until the event loop has handled every I/O event of its current wake-up.
///
/// Under load one wake-up brings many requests and answers. Flushing each at once wakes its peer (an upstream, a
/// client) once per message, and on a shared core each such wake-up can preempt the loop. Written together at the
/// end of the wake-up, each peer finds its whole share at once. A lone message costs one task on the loop.
///
/// NIO runs the tasks a loop schedules for itself after the I/O events of the same wake-up, so the flush comes
/// before the loop waits again: nothing is held longer than the wake-up that wrote it.
final class LoopFlushBatch: @unchecked Sendable {  // only ever used on the thread of its event loop
    private static let current = ThreadSpecificVariable<LoopFlushBatch>()

    private let eventLoop: any EventLoop
    private var contexts: [ChannelHandlerContext] = []

    private init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Flushes `context` once its loop has handled the I/O events of this wake-up (called on that loop).
    static func flush(_ context: ChannelHandlerContext) {
        let batch: LoopFlushBatch
        if let existing = current.currentValue {
            guard existing.eventLoop === context.eventLoop else {
                // Another loop on this thread (embedded loops in tests): no batch to join.
                context.flush()
                return
            }
            batch = existing
        } else {
            batch = LoopFlushBatch(eventLoop: context.eventLoop)
            current.currentValue = batch
        }
        if batch.contexts.isEmpty {
            context.eventLoop.assumeIsolated().execute { batch.run() }
        }
        batch.contexts.append(context)
    }

    private func run() {
        // A flush can complete writes whose callbacks add to the batch: those are flushed in this pass too.
        var index = 0
        while index < contexts.count {
            contexts[index].flush()
            index += 1
        }
        contexts.removeAll(keepingCapacity: true)
    }
}
