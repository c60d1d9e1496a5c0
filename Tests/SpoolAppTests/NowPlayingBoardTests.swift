import Foundation
import XCTest
@testable import SpoolApp
import SpoolCore
import SpoolStore

/// `getNowPlaying`'s memory: who is believed (announcing apps over their prefetching streams),
/// when an entry ends (the track's length and a minute), and the bounds on what a client can
/// make it hold.
final class NowPlayingBoardTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_700_000_000)

    func testAnEntryLastsTheTracksLengthAndAMinute() {
        let board = NowPlayingBoard()
        board.announce(7, duration: 200, userId: 1, player: "DSub", now: start)
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(259)).map(\.trackId), [7])
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(260)), [], "200 s + 60 s of grace")
        board.announce(8, duration: nil, userId: 1, player: "DSub", now: start)
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(659)).map(\.trackId), [8], "unknown: ten minutes")
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(660)), [])
        XCTAssertEqual(board.entries(userId: 2, now: start), [], "each user's own")
    }

    func testAnAnnouncingAppsStreamsArePrefetchesAndASilentAppIsSeenByItsStreams() {
        let board = NowPlayingBoard()
        board.announce(1, duration: 100, userId: 1, player: "Symfonium", now: start)
        board.streamed(2, duration: 100, userId: 1, player: "Symfonium", now: start.addingTimeInterval(5))
        board.streamed(3, duration: 100, userId: 1, player: "Feishin", now: start.addingTimeInterval(10))
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(11)).map { [$0.trackId, Int64($0.playerId)] }, [[3, 2], [1, 1]],
                       "the latest first; Symfonium's prefetch of 2 ignored")
        // A Range request that resumes the same track keeps its start (and so its expiry).
        board.streamed(3, duration: 100, userId: 1, player: "Feishin", now: start.addingTimeInterval(50))
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(51)).first?.startedAt, start.addingTimeInterval(10))
        board.announce(4, duration: 100, userId: 1, player: "Symfonium", now: start.addingTimeInterval(60))
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(61)).map(\.trackId), [4, 3])
    }

    func testPlayersPerUserAreBoundedAndTheirNamesCut() {
        let board = NowPlayingBoard()
        for index in 0...NowPlayingBoard.playersPerUser {
            board.announce(Int64(index), duration: 100, userId: 1, player: "app \(index)", now: start.addingTimeInterval(Double(index)))
        }
        let entries = board.entries(userId: 1, now: start.addingTimeInterval(30))
        XCTAssertEqual(entries.count, NowPlayingBoard.playersPerUser)
        XCTAssertFalse(entries.contains { $0.playerName == "app 0" }, "the player seen longest ago made room")
        board.announce(99, duration: 100, userId: 2, player: String(repeating: "x", count: 500), now: start)
        XCTAssertEqual(board.entries(userId: 2, now: start).first?.playerName.count, NowPlayingBoard.playerNameLength)
    }

    /// The web app's player shows beside music apps: its `play` event puts the track on the
    /// board, and pausing, ending or leaving that track takes it off (a pause of another track,
    /// sent late, does not).
    func testTheWebPlayersEventsPutItOnTheBoardAndTakeItOff() {
        let board = NowPlayingBoard()
        func event(_ type: PlayEventType, _ track: Int64) -> TelemetryIngest.Event {
            TelemetryIngest.Event(trackId: track, session: "tab-1", type: type, position: 0, value: nil, clientTime: nil)
        }
        board.heard([event(.play, 5), event(.seek, 5), event(.volume, 5)], userId: 1, now: start)
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(1)).map { "\($0.trackId) \($0.playerName)" }, ["5 Spool web"])
        XCTAssertEqual(board.entries(userId: 2, now: start.addingTimeInterval(1)), [], "each user's own")
        board.heard([event(.pause, 4)], userId: 1, now: start.addingTimeInterval(2))
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(3)).map(\.trackId), [5], "a late pause of the track before")
        for stop in [PlayEventType.pause, .ended, .skip, .delete] {
            board.heard([event(.play, 5)], userId: 1, now: start.addingTimeInterval(10))
            board.heard([event(stop, 5)], userId: 1, now: start.addingTimeInterval(11))
            XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(12)), [], "\(stop) takes it off")
        }
        // A batch in order: the last word counts.
        board.heard([event(.play, 6), event(.ended, 6), event(.play, 7)], userId: 1, now: start.addingTimeInterval(20))
        XCTAssertEqual(board.entries(userId: 1, now: start.addingTimeInterval(21)).map(\.trackId), [7])
        // A music app of the same user is a player of its own.
        board.announce(8, duration: 100, userId: 1, player: "DSub", now: start.addingTimeInterval(22))
        XCTAssertEqual(Set(board.entries(userId: 1, now: start.addingTimeInterval(23)).map(\.trackId)), [7, 8])
    }
}
