import XCTest
@testable import SpoolApp

/// Which `HOST` counts as loopback decides whether Spool may treat every request as the
/// owner's while no account has a password (issue 12, item 18): a name is not an address.
final class LoopbackTests: XCTestCase {
    func testLoopbackAddressesAndLocalhostAreLoopback() {
        for host in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST", "app.localhost"] {
            XCTAssertTrue(Settings.isLoopback(host), host)
        }
    }

    func testNamesThatLookLikeLoopbackAreNot() {
        // `hasPrefix("127.")` let all of these through.
        for host in ["127.invalid", "127.0.0.1.evil.example", "127.attacker.example", "localhost.evil.example",
                     "0.0.0.0", "::", "192.168.1.5"] {
            XCTAssertFalse(Settings.isLoopback(host), host)
        }
    }

    func testTheSingleUserModeNeedsALoopbackHostOrTheOptOut() throws {
        let loopback = try Settings.load(environment: ["HOST": "127.0.0.1"], dotEnvPath: nil)
        XCTAssertTrue(loopback.singleUserModeAllowed)
        let named = try Settings.load(environment: ["HOST": "127.invalid"], dotEnvPath: nil)
        XCTAssertFalse(named.singleUserModeAllowed)
        let proxied = try Settings.load(environment: ["HOST": "127.invalid", "ALLOW_NO_AUTH": "1"], dotEnvPath: nil)
        XCTAssertTrue(proxied.singleUserModeAllowed)
    }
}
