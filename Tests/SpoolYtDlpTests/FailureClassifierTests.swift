import XCTest
@testable import SpoolYtDlp

final class FailureClassifierTests: XCTestCase {
    private func cause(_ stderr: [String], exit: Int32? = 1, signal: Int32? = nil) -> YtDlpFailure.Cause {
        FailureClassifier.classify(exitCode: exit, signal: signal, stderrLines: stderr).cause
    }

    /// The table of issue 11: each row's wording, as yt-dlp prints it, to its cause.
    func testEachCauseIsRecognisedFromYtDlpsOwnWords() {
        let rows: [(String, YtDlpFailure.Cause)] = [
            ("ERROR: unable to download webpage: HTTP Error 429: Too Many Requests", .rateLimited),
            ("ERROR: [youtube] abc: This content isn’t available, try again later.", .rateLimited),
            ("ERROR: [youtube] abc: Sign in to confirm you’re not a bot. Use --cookies-from-browser or --cookies for the authentication.", .botCheck),
            ("ERROR: [youtube] abc: Sign in to confirm your age. This video may be inappropriate for some users.", .botCheck),
            ("ERROR: [youtube] abc: nsig extraction failed: Some formats may be missing", .extractorOutdated),
            ("ERROR: [youtube] abc: Requested format is not available. Use --list-formats for a list of available formats", .extractorOutdated),
            ("ERROR: unable to download video data: HTTP Error 403: Forbidden", .extractorOutdated),
            ("ERROR: [youtube] abc: Video unavailable", .unavailable),
            ("ERROR: [youtube] abc: Private video. Sign in if you've been granted access to this video", .unavailable),
            ("ERROR: [youtube] abc: Join this channel to get access to members-only content like this video", .unavailable),
            ("ERROR: unable to download video data: HTTP Error 404: Not Found", .unavailable),
            ("ERROR: Unable to download webpage: <urlopen error [Errno -2] Name or service not known>", .network),
            ("ERROR: Unable to download: <urlopen error [Errno 111] Connection refused>", .network),
            ("ERROR: unable to download video data: HTTP Error 503: Service Unavailable", .network),
        ]
        for (line, expected) in rows {
            XCTAssertEqual(cause(["WARNING: something first", line]), expected, line)
        }
    }

    func testAMissingJavaScriptRuntimeWarningExplainsAMissingFormat() {
        XCTAssertEqual(cause([
            "WARNING: [youtube] No supported JavaScript runtime could be found. YouTube extraction without a JS runtime has been deprecated",
            "ERROR: something odd",
        ]), .extractorOutdated)
    }

    func testTheLastErrorLineIsTheOneKept() {
        let failure = FailureClassifier.classify(exitCode: 1, signal: nil, stderrLines: [
            "WARNING: retrying", "ERROR: first", "ERROR: Unable to download: <urlopen error [Errno 111] Connection refused>",
        ])
        XCTAssertEqual(failure.line, "ERROR: Unable to download: <urlopen error [Errno 111] Connection refused>")
        XCTAssertEqual(failure.exitCode, 1)
    }

    func testAKillIsACrashAndNamesTheSignal() {
        let failure = FailureClassifier.classify(exitCode: nil, signal: 9, stderrLines: [])
        XCTAssertEqual(failure.cause, .crashed)
        XCTAssertTrue(failure.line.contains("signal 9"))
    }

    func testBadArgumentsAndTheUnknown() {
        XCTAssertEqual(cause(["yt-dlp: error: no such option: --bogus"], exit: 2), .badArguments)
        let unknown = FailureClassifier.classify(exitCode: 1, signal: nil, stderrLines: [])
        XCTAssertEqual(unknown.cause, .unknown)
        XCTAssertEqual(unknown.line, "yt-dlp failed with exit code 1")
    }
}
