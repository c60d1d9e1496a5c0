import XCTest
import SpoolStore
@testable import SpoolDownloader

final class FailureClassifierTests: XCTestCase {
    private func classify(_ stderr: [String], exit: Int32? = 1, signal: Int32? = nil) -> (JobErrorClass, String) {
        FailureClassifier.classify(exitCode: exit, signal: signal, stderrLines: stderr)
    }

    func testYouTubesPermanentRefusalsAreNotRetried() {
        for line in [
            "ERROR: [youtube] abc: Video unavailable",
            "ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video",
            "ERROR: [youtube] abc: Join this channel to get access to members-only content like this video",
            "ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.",
            "ERROR: [youtube] abc: This video contains content from UMG, who has blocked it on copyright grounds",
            "ERROR: unable to download video data: HTTP Error 404: Not Found",
        ] {
            XCTAssertEqual(classify([line]).0, .permanent, line)
        }
    }

    func testRateLimitsAreRecognised() {
        XCTAssertEqual(classify(["ERROR: unable to download webpage: HTTP Error 429: Too Many Requests"]).0, .rate_limited)
        XCTAssertEqual(classify(["ERROR: [youtube] abc: Sign in to confirm you’re not a bot."]).0, .rate_limited)
    }

    func testNetworkTroubleIsTransientAndTheMessageIsTheLastError() {
        let (errorClass, message) = classify([
            "WARNING: retrying", "ERROR: first", "ERROR: Unable to download: <urlopen error [Errno 111] Connection refused>",
        ])
        XCTAssertEqual(errorClass, .transient)
        XCTAssertEqual(message, "ERROR: Unable to download: <urlopen error [Errno 111] Connection refused>")
    }

    func testAKillIsTransientAndNamesTheSignal() {
        let (errorClass, message) = classify([], exit: nil, signal: 9)
        XCTAssertEqual(errorClass, .transient)
        XCTAssertTrue(message.contains("signal 9"))
    }

    func testBadArgumentsArePermanent() {
        XCTAssertEqual(classify(["yt-dlp: error: no such option: --bogus"], exit: 2).0, .permanent)
        XCTAssertEqual(classify([], exit: 1).1, "yt-dlp failed with exit code 1")
    }
}
