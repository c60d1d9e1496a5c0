import XCTest
@testable import SpoolApp

final class LoginThrottleTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_000_000)

    func testWrongAnswersWaitLongerThenLockTheSubjectOut() {
        let throttle = LoginThrottle()
        let client = [LoginThrottle.Subject.client("10.0.0.7")]
        var delays: [Double] = []
        for _ in 0..<9 {
            guard case .delay(let seconds) = throttle.recordFailure(for: client, now: start) else { return XCTFail("locked early") }
            delays.append(seconds)
        }
        XCTAssertEqual(delays, [0.25, 0.5, 1, 2, 4, 4, 4, 4, 4])
        XCTAssertEqual(throttle.recordFailure(for: client, now: start), .lockedOut(retryAfterSeconds: 60))
        XCTAssertEqual(throttle.verdict(for: client, now: start.addingTimeInterval(59)), .lockedOut(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.verdict(for: client, now: start.addingTimeInterval(60)), .allowed)
        // A repeat lock-out lasts twice as long.
        for _ in 0..<9 { _ = throttle.recordFailure(for: client, now: start.addingTimeInterval(61)) }
        XCTAssertEqual(throttle.recordFailure(for: client, now: start.addingTimeInterval(61)), .lockedOut(retryAfterSeconds: 120))
    }

    func testAUserNameIsThrottledWhateverAddressGuessesIt() {
        let throttle = LoginThrottle()
        for index in 0..<10 {
            _ = throttle.recordFailure(for: [.client("10.0.0.\(index)"), .user(named: "Alice")], now: start)
        }
        XCTAssertEqual(throttle.verdict(for: [.client("10.0.0.99"), .user(named: "alice")], now: start),
                       .lockedOut(retryAfterSeconds: 60))
        XCTAssertEqual(throttle.verdict(for: [.client("10.0.0.99"), .user(named: "bob")], now: start), .allowed)
    }

    func testASuccessClearsTheRunButNotALockOut() {
        let throttle = LoginThrottle()
        let client = [LoginThrottle.Subject.client("10.0.0.7")]
        for _ in 0..<5 { _ = throttle.recordFailure(for: client, now: start) }
        throttle.recordSuccess(for: client)
        XCTAssertEqual(throttle.recordFailure(for: client, now: start), .delay(seconds: 0.25))
    }

    func testOldFailuresAreForgotten() {
        let throttle = LoginThrottle()
        let client = [LoginThrottle.Subject.client("10.0.0.7")]
        for _ in 0..<8 { _ = throttle.recordFailure(for: client, now: start) }
        XCTAssertEqual(throttle.recordFailure(for: client, now: start.addingTimeInterval(901)), .delay(seconds: 0.25))
    }

    func testAnIPv6ClientCountsAsItsSlash64() {
        XCTAssertEqual(LoginThrottle.Subject.client("2001:db8:1:2:aaaa::1"), LoginThrottle.Subject.client("2001:db8:1:2:bbbb::9"))
        XCTAssertNotEqual(LoginThrottle.Subject.client("2001:db8:1:2::1"), LoginThrottle.Subject.client("2001:db8:1:3::1"))
        XCTAssertEqual(LoginThrottle.Subject.client("::ffff:10.0.0.7"), LoginThrottle.Subject.client("10.0.0.7"))
    }

    func testMemoryIsBounded() {
        var policy = LoginThrottle.Policy()
        policy.maximumTracked = 100
        let throttle = LoginThrottle(policy: policy)
        for index in 0..<1_000 {
            _ = throttle.recordFailure(for: [.client("10.0.\(index / 256).\(index % 256)")], now: start.addingTimeInterval(Double(index)))
        }
        XCTAssertLessThanOrEqual(throttle.trackedCount, 100)
    }
}
