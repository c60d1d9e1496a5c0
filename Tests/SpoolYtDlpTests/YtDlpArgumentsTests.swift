import XCTest
@testable import SpoolYtDlp

final class YtDlpArgumentsTests: XCTestCase {
    private let options = YtDlpOptions()

    func testTheURLAlwaysComesLastAfterTheEndOfOptions() {
        let hostile = "https://example.com/-x --exec rm"
        for arguments in [
            YtDlpArguments.listing(hostile, options: options),
            YtDlpArguments.download(hostile, into: "/lib/.partial/7", options: options),
        ] {
            XCTAssertEqual(arguments.suffix(2), ["--", hostile])
            XCTAssertEqual(arguments.filter { $0 == "--" }.count, 1)
        }
    }

    func testDownloadExtractsAudioWithTheChosenCodecIntoThePartialFolder() {
        let arguments = YtDlpArguments.download("https://a.test/v", into: "/lib/.partial/42", options: options)
        XCTAssertTrue(arguments.contains("--newline"))
        XCTAssertTrue(arguments.contains("--write-info-json"))
        XCTAssertTrue(arguments.contains("--write-thumbnail"))
        XCTAssertEqual(value(after: "-o", in: arguments), "/lib/.partial/42/%(id)s.%(ext)s")
        XCTAssertEqual(value(after: "-f", in: arguments), "bestaudio/best")
        XCTAssertEqual(value(after: "--audio-format", in: arguments), "m4a")
        XCTAssertEqual(value(after: "--progress-template", in: arguments), YtDlpArguments.progressTemplate)
    }

    func testVideoModeKeepsTheMediaAndHonoursAnExplicitFormat() {
        var video = options
        video.audioFormat = nil
        video.format = "bv*+ba/b"
        let arguments = YtDlpArguments.download("https://a.test/v", into: "/p", options: video)
        XCTAssertFalse(arguments.contains("-x"))
        XCTAssertEqual(value(after: "-f", in: arguments), "bv*+ba/b")
    }

    func testUserSettingsArePassedBeforeTheURL() {
        let custom = YtDlpOptions(
            ffmpegLocation: "/opt/ffmpeg", rateLimit: "2M", cookiesFile: "/c.txt",
            proxy: "socks5://127.0.0.1:1080", extraArguments: ["--sleep-requests", "1"])
        let arguments = YtDlpArguments.download("https://a.test/v", into: "/p", options: custom)
        XCTAssertEqual(value(after: "--ffmpeg-location", in: arguments), "/opt/ffmpeg")
        XCTAssertEqual(value(after: "--limit-rate", in: arguments), "2M")
        XCTAssertEqual(value(after: "--cookies", in: arguments), "/c.txt")
        XCTAssertEqual(value(after: "--proxy", in: arguments), "socks5://127.0.0.1:1080")
        let dashes = arguments.firstIndex(of: "--")!
        XCTAssertLessThan(arguments.firstIndex(of: "--sleep-requests")!, dashes)
        let listing = YtDlpArguments.listing("https://a.test/c", options: custom)
        XCTAssertEqual(value(after: "--cookies", in: listing), "/c.txt")
        XCTAssertTrue(listing.starts(with: ["--flat-playlist", "--lazy-playlist", "-j"]), "one JSON object per entry, as it is listed")
    }

    func testTheJavaScriptRuntimeAndTheExtractorArePassedWhenKnown() {
        let runtime = JSRuntime(name: "deno", path: "/venv/bin/deno", version: "2.5.6")
        let download = YtDlpArguments.download("https://a.test/v", into: "/p", options: options, runtime: runtime, extractor: "Youtube")
        XCTAssertEqual(value(after: "--js-runtimes", in: download), "deno:/venv/bin/deno")
        XCTAssertEqual(value(after: "--use-extractors", in: download), "Youtube")
        let listing = YtDlpArguments.listing("https://a.test/c", options: options, runtime: runtime, limit: 5)
        XCTAssertEqual(value(after: "--js-runtimes", in: listing), "deno:/venv/bin/deno")
        XCTAssertEqual(value(after: "--playlist-end", in: listing), "5")
        let odd = YtDlpArguments.download("https://a.test/v", into: "/p", options: options, extractor: "a,b|c")
        XCTAssertNil(value(after: "--use-extractors", in: odd), "an extractor name that is not a plain word is never passed")
    }

    private func value(after flag: String, in arguments: [String]) -> String? {
        guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
        return arguments[index + 1]
    }
}
