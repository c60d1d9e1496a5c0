import XCTest
import SpoolHTTP

final class HostPolicyTests: XCTestCase {
    func testAddressesParseStrictly() {
        XCTAssertEqual(IPAddress("127.0.0.1")?.isLoopback, true)
        XCTAssertEqual(IPAddress("127.200.3.4")?.isLoopback, true)
        XCTAssertEqual(IPAddress("::1")?.isLoopback, true)
        XCTAssertEqual(IPAddress("[::1]")?.isLoopback, true)
        XCTAssertEqual(IPAddress("::ffff:127.0.0.1")?.isLoopback, true)
        XCTAssertEqual(IPAddress("192.168.1.5")?.isLoopback, false)
        XCTAssertEqual(IPAddress("0.0.0.0")?.isUnspecified, true)
        for name in ["127.invalid", "127.1", "0x7f.0.0.1", "localhost", "127.0.0.1.", "", "[127.0.0.1]", "::1]"] {
            XCTAssertNil(IPAddress(name), name)
        }
    }

    func testLoopbackNamesAndAddressLiteralsAreAlwaysAllowed() {
        let policy = HostPolicy(listeningHost: "127.0.0.1")
        for host in ["localhost", "LOCALHOST:8000", "localhost.", "app.localhost", "127.0.0.1:8000", "[::1]:8000",
                     "192.168.1.5", "[fe80::1]"] {
            XCTAssertEqual(policy.verdict(forHostHeader: host), .allowed, host)
        }
        XCTAssertEqual(policy.verdict(forHostHeader: nil), .allowed, "HTTP/1.0 without Host")
    }

    func testOtherNamesAreUnknownUnlessListed() {
        let policy = HostPolicy(listeningHost: "0.0.0.0", allowedHosts: ["Spool.Example.org", "*.lan", "media.home:8443"])
        XCTAssertEqual(policy.verdict(forHostHeader: "rebind.example:8000"), .unknownName("rebind.example"))
        XCTAssertEqual(policy.verdict(forHostHeader: "127.invalid"), .unknownName("127.invalid"))
        XCTAssertEqual(policy.verdict(forHostHeader: "localhost.evil.example"), .unknownName("localhost.evil.example"))
        XCTAssertEqual(policy.verdict(forHostHeader: "spool.example.org"), .allowed)
        XCTAssertEqual(policy.verdict(forHostHeader: "spool.example.org.:443"), .allowed)
        XCTAssertEqual(policy.verdict(forHostHeader: "nas.lan"), .allowed)
        XCTAssertEqual(policy.verdict(forHostHeader: "lan"), .unknownName("lan"), "*.lan is subdomains only")
        XCTAssertEqual(policy.verdict(forHostHeader: "evil-lan"), .unknownName("evil-lan"))
        XCTAssertEqual(policy.verdict(forHostHeader: "media.home:80"), .allowed, "ports are not compared")
    }

    func testTheListeningNameIsKnown() {
        XCTAssertEqual(HostPolicy(listeningHost: "nas.local").verdict(forHostHeader: "nas.local:8000"), .allowed)
    }

    func testAWildcardAllowsEverything() {
        XCTAssertEqual(HostPolicy(listeningHost: "0.0.0.0", allowedHosts: ["*"]).verdict(forHostHeader: "any.example"), .allowed)
    }

    func testMalformedHostsAreNotNames() {
        let policy = HostPolicy(listeningHost: "127.0.0.1", allowedHosts: ["*"])
        for host in ["", ":80", "a b", "evil.example:99999", "evil.example:x", "[::1", "a..b", "exa\u{0}mple", "é.example"] {
            XCTAssertEqual(policy.verdict(forHostHeader: host), .malformed, host)
        }
    }
}
