import Foundation
import PoolCore
import Testing

@Suite("Per-IP protection")
struct IPProtectionTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))

    @Test("more failures than allowed in a minute lock the IP out for the lock-out, others stay open")
    func lockout() {
        let limiter = AuthFailureLimiter(failuresPerMinute: 3, lockoutSeconds: 300)
        for _ in 0..<3 { #expect(!limiter.recordFailure("203.0.113.9", now: clock.now)) }
        #expect(limiter.lockout("203.0.113.9", now: clock.now) == nil)
        #expect(limiter.recordFailure("203.0.113.9", now: clock.now))
        #expect(limiter.lockout("203.0.113.9", now: clock.now) == 300)
        #expect(limiter.lockout("127.0.0.1", now: clock.now) == nil)
        #expect(limiter.lockedOutCount(now: clock.now) == 1)
        clock.advance(by: 299)
        #expect(limiter.lockout("203.0.113.9", now: clock.now) == 1)
        clock.advance(by: 1)
        #expect(limiter.lockout("203.0.113.9", now: clock.now) == nil)
    }

    @Test("failures spread over minutes do not add up; 0 turns the limiter off")
    func windows() {
        let limiter = AuthFailureLimiter(failuresPerMinute: 2, lockoutSeconds: 60)
        for _ in 0..<10 {
            #expect(!limiter.recordFailure("::1", now: clock.now))
            #expect(!limiter.recordFailure("::1", now: clock.now))
            clock.advance(by: 60)
        }
        let off = AuthFailureLimiter(failuresPerMinute: 0, lockoutSeconds: 60)
        for _ in 0..<100 { off.recordFailure("::1", now: clock.now) }
        #expect(off.lockout("::1", now: clock.now) == nil)
    }

    @Test("IP_RPM: N requests per IP and minute, then the seconds to the next minute")
    func ipRequests() {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_010))  // 10 s into a minute
        let limiter = IPRequestLimiter(requestsPerMinute: 2)
        #expect(limiter.admit("a", now: clock.now) == nil && limiter.admit("a", now: clock.now) == nil)
        #expect(limiter.admit("a", now: clock.now) == 50)
        #expect(limiter.admit("b", now: clock.now) == nil)
        clock.advance(by: 50)
        #expect(limiter.admit("a", now: clock.now) == nil)
        #expect(IPRequestLimiter(requestsPerMinute: 0).admit("a", now: clock.now) == nil)
    }

    @Test("addresses: IPv4, IPv6 with ::, embedded IPv4, brackets and zones; junk refused")
    func addresses() {
        #expect(IPAddress("10.1.2.3")?.description == "10.1.2.3")
        #expect(IPAddress("2001:db8::1")?.description == "2001:db8:0:0:0:0:0:1")
        #expect(IPAddress("[::1]") == IPAddress("0:0:0:0:0:0:0:1"))
        #expect(IPAddress("fe80::1%eth0") == IPAddress("fe80::1"))
        #expect(IPAddress("::ffff:10.0.0.1") != nil)
        for junk in [
            "", "1.2.3", "1.2.3.256", "1.2.3.4.5", "::1::2", "12345::", "g::1", "1:2:3:4:5:6:7:8:9", "a.b.c.d",
        ] {
            #expect(IPAddress(junk) == nil, "\(junk)")
        }
    }

    @Test("CIDR blocks match by prefix, IPv4 and IPv6")
    func networks() throws {
        let v4 = try #require(IPNetwork("10.0.0.0/8"))
        #expect(v4.contains(IPAddress("10.255.0.1")!) && !v4.contains(IPAddress("11.0.0.1")!))
        let v6 = try #require(IPNetwork("fd00::/8"))
        #expect(v6.contains(IPAddress("fd12::1")!) && !v6.contains(IPAddress("fe80::1")!))
        #expect(IPNetwork("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        #expect(IPNetwork("::/0")!.contains(IPAddress("2001:db8::1")!))
        #expect(IPNetwork("10.0.0.0/33") == nil && IPNetwork("::/129") == nil && IPNetwork("x/8") == nil)
        let single = try #require(IPNetwork("192.168.1.7"))
        #expect(single.contains(IPAddress("192.168.1.7")!) && !single.contains(IPAddress("192.168.1.8")!))
    }

    @Test("the client is the right-most untrusted X-Forwarded-For hop, only behind a trusted peer")
    func forwardedFor() throws {
        let proxies = try TrustedProxies.parse("127.0.0.1/32, 10.0.0.0/8 ,::1").get()
        #expect(proxies.networks.count == 3)
        // Peer not trusted: the header is the client's claim and ignored.
        #expect(proxies.clientAddress(peer: "198.51.100.7", forwardedFor: ["1.2.3.4"]) == "198.51.100.7")
        // Trusted peer: right-most untrusted.
        #expect(
            proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1, 203.0.113.5, 10.0.0.2"]) == "203.0.113.5")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1", "203.0.113.5"]) == "203.0.113.5")
        // Every hop trusted: the left-most.
        #expect(proxies.clientAddress(peer: "::1", forwardedFor: ["10.0.0.9, 10.0.0.8"]) == "10.0.0.9")
        // No header, or garbage appended by the proxy: the peer.
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: []) == "127.0.0.1")
        #expect(proxies.clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1, garbage"]) == "127.0.0.1")
        #expect(TrustedProxies().clientAddress(peer: "127.0.0.1", forwardedFor: ["1.1.1.1"]) == "127.0.0.1")
        #expect(TrustedProxies.parse("10.0.0.0/8, nonsense") == .failure(TrustedProxiesError(entry: "nonsense")))
        #expect(try TrustedProxies.parse("").get().isEmpty)
    }
}
