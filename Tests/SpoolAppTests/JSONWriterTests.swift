import Foundation
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore
import XCTest
@testable import SpoolApp

/// The hand-written JSON of the list replies (`JSONWritable`) is byte for byte what
/// `JSONEncoder` with the API's configuration writes for the same value: random tracks, jobs
/// and pages with every field absent or present, strings that need escaping, fractional,
/// whole, tiny and huge numbers, dates before 1970 and with fractions of a second.
final class JSONWriterTests: XCTestCase {
    private final class Dice {
        var state: UInt64
        init(state: UInt64) { self.state = state }
        func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state >> 11
        }
        func roll(_ sides: Int) -> Int { Int(next() % UInt64(sides)) }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { roll(3) == 0 ? nil : value() }
        func double() -> Double {
            switch roll(7) {
            case 0: return Double(roll(100_000))
            case 1: return Double(roll(1_000_000)) / 1000
            case 2: return 1e-7 * Double(1 + roll(9))
            case 3: return 1e21 * Double(1 + roll(9))
            case 4: return -Double(roll(1000)) / 7
            case 5: return 3e15
            default: return Double(bitPattern: 0x3FF0_0000_0000_0000 | (next() & 0x000F_FFFF_FFFF_FFFF)) * 1e9
            }
        }
        func date() -> Date {
            [Date(timeIntervalSince1970: Double(roll(4_000_000_000)) + Double(roll(1000)) / 1000),
             Date(timeIntervalSince1970: -Double(roll(100_000_000)) - 0.25),
             Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
             Date(timeIntervalSince1970: 86_399.9999)][roll(4)]
        }
        func text() -> String {
            let pieces = ["plain", "a \"quote\"", "back\\slash", "slash/es", "new\nline", "tab\t", "\u{1}\u{1f}\u{8}\u{c}\r",
                          "é", "😀", "\u{7f}", "\u{2028}", "", "Ünïcödé – dash", "</script>"]
            return (0..<(1 + roll(3))).map { _ in pieces[roll(pieces.count)] }.joined()
        }
    }

    private func assertSameBytes<T: Encodable & JSONWritable>(_ value: T, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = String(decoding: try JSONCoding.encoder.encode(value), as: UTF8.self)
        let written = String(decoding: JSONWriter.encode(value), as: UTF8.self)
        XCTAssertEqual(written, expected, file: file, line: line)
    }

    private func track(_ dice: Dice) -> TrackRepresentation {
        var track = Track(videoId: dice.text(), sourceId: dice.maybe(Int64(dice.roll(1000))), title: dice.text(),
                          uploader: dice.maybe(dice.text()), duration: dice.maybe(dice.double()), filePath: "x/y.m4a",
                          size: Int64(dice.roll(1 << 30)), mimeType: "audio/mp4", thumbnailPath: dice.maybe("x/y.jpg"),
                          createdAt: dice.date(), uploadedAt: dice.maybe(dice.date()))
        track.id = Int64(dice.roll(1_000_000))
        // A track read for a user carries their state; one sent to every client (an event) not.
        var state: UserTrackState?
        if dice.roll(4) > 0 {
            var mine = UserTrackState()
            mine.rating = dice.roll(3) - 1
            mine.likedAt = dice.maybe(dice.date())
            mine.playCount = dice.roll(10_000)
            mine.skipCount = dice.roll(10)
            mine.lastPosition = dice.maybe(dice.double())
            mine.lastPlayedAt = dice.maybe(dice.date())
            mine.hiddenAt = dice.maybe(dice.date())
            state = mine
        }
        track.deletedAt = dice.maybe(dice.date())
        track.artist = dice.maybe(dice.text())
        track.album = dice.maybe(dice.text())
        track.trackNumber = dice.maybe(dice.roll(30))
        return TrackRepresentation(track, sourceTitle: dice.maybe(dice.text()), state: state)
    }

    private func job(_ dice: Dice) -> JobRepresentation {
        var job = Job(kind: ["download", "source_sync"][dice.roll(2)], priority: dice.roll(20) - 5, sourceId: dice.maybe(Int64(dice.roll(500))),
                      videoId: dice.maybe(dice.text()), title: dice.maybe(dice.text()), maxAttempts: 1 + dice.roll(9),
                      runAfter: dice.date(), createdAt: dice.date())
        job.id = Int64(dice.roll(1_000_000))
        job.status = JobStatus.allCases[dice.roll(JobStatus.allCases.count)]
        job.attempts = dice.roll(5)
        job.progressPercent = dice.maybe(dice.double())
        job.progressBytes = dice.maybe(Int64(dice.roll(1 << 30)))
        job.progressTotalBytes = dice.maybe(Int64(dice.roll(1 << 30)))
        job.progressSpeed = dice.maybe(dice.double())
        job.progressEta = dice.maybe(dice.roll(10_000))
        job.lastError = dice.maybe(dice.text())
        job.errorClass = dice.maybe(JobErrorClass.allCases[dice.roll(JobErrorClass.allCases.count)])
        job.errorDetail = dice.maybe(dice.text())
        job.updatedAt = dice.date()
        job.startedAt = dice.maybe(dice.date())
        job.finishedAt = dice.maybe(dice.date())
        return JobRepresentation(job)
    }

    func testTracksAndTheirPagesAreWrittenAsJSONEncoderWritesThem() throws {
        let dice = Dice(state: 19)
        for _ in 0..<300 { try assertSameBytes(track(dice)) }
        for count in [0, 1, 7] {
            let tracks = (0..<count).map { _ in track(dice) }
            try assertSameBytes(TrackPage(tracks: tracks, total: dice.roll(100_000), totalIsExact: dice.roll(2) == 0,
                                          nextBefore: dice.maybe(PageCursor(id: 5).token)))
            let plays = tracks.map { TrackRoutes.HistoryReply.Play(track: $0, playedAt: dice.date(), position: dice.maybe(dice.double())) }
            try assertSameBytes(TrackRoutes.HistoryReply(plays: plays, nextBefore: dice.maybe("WzEwXQ")))
        }
    }

    func testJobsAndTheirPagesAreWrittenAsJSONEncoderWritesThem() throws {
        let dice = Dice(state: 17)
        for _ in 0..<300 { try assertSameBytes(job(dice)) }
        for count in [0, 1, 7] {
            let counts = Dictionary(uniqueKeysWithValues: JobStatus.allCases.map { ($0.rawValue, dice.roll(300_000)) })
            try assertSameBytes(JobRoutes.ListReply(jobs: (0..<count).map { _ in job(dice) }, nextBefore: dice.maybe("WzEwXQ"), counts: counts))
        }
    }

    /// The switch the benchmark's reference uses: off, the same reply goes through `JSONEncoder`.
    func testTheWriterCanBeSwitchedOffForTheSameBytes() throws {
        let dice = Dice(state: 5)
        let page = TrackPage(tracks: (0..<3).map { _ in track(dice) }, total: 3, nextBefore: nil)
        let written = HTTPResponse.json(page)
        JSONCoding.writer.store(false, ordering: .relaxed)
        defer { JSONCoding.writer.store(true, ordering: .relaxed) }
        let encoded = HTTPResponse.json(page)
        guard case .bytes(let a) = written.body, case .bytes(let b) = encoded.body else { return XCTFail("no body") }
        XCTAssertEqual(a, b)
    }
}
