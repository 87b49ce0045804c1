import NIOPosix

/// Runs work that scales with the pool or with an upload (parsing a 64 MiB import, listing 100,000 keys) on
/// NIO's blocking-work threads. The executable runs every task on the event loops, so such work done inline
/// would hold up every connection served by the same loop, proxied requests included.
enum OffLoop {
    static func run<Result: Sendable>(_ work: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await NIOThreadPool.singleton.runIfActive(work)
    }
}
