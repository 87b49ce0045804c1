import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import PoolServer

@Suite("Upstream failures: whose fault")
struct UpstreamFailureReasonTests {
    @Test(
        "running out of descriptors, buffers or memory is the gateway's, not the key's",
        arguments: [EMFILE, ENFILE, ENOBUFS, ENOMEM])
    func localResources(code: Int32) {
        #expect(UpstreamFailureReason.localResourceExhaustion(IOError(errnoCode: code, reason: "socket")) == code)
    }

    @Test(
        "refused and unreachable upstreams stay the upstream's",
        arguments: [ECONNREFUSED, EHOSTUNREACH, ECONNRESET, ETIMEDOUT])
    func upstreamFaults(code: Int32) {
        #expect(UpstreamFailureReason.localResourceExhaustion(IOError(errnoCode: code, reason: "connect")) == nil)
        #expect(UpstreamFailureReason.localResourceExhaustion(CancellationError()) == nil)
    }
}
