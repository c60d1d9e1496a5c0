import Foundation
import SpoolCore
import Synchronization

/// What each user's music apps are playing now, for `getNowPlaying`: told by `scrobble` with
/// `submission=false` (an app announcing a track as it starts) and guessed from `stream` for
/// apps that never announce.
///
/// Kept in memory, not in the database: an entry is true for one track's length at most, so
/// after a restart the next track an app starts puts it back, and nothing of value is lost;
/// a table would cost a write per track started for a list that is stale within minutes.
///
/// An app that has announced once is believed from then on, and its streams are ignored: apps
/// that announce (Symfonium, DSub, Tempo…) also fetch the next tracks ahead of time to cache
/// them, and a prefetch is not a play. A stream of the track a player already plays (a seek,
/// a Range request that resumes) keeps its start.
final class NowPlayingBoard: Sendable {
    /// After a track's end (had it played through), its entry lasts this much longer: a minute
    /// covers buffering, a stall on a phone's network and a short pause, while an app that
    /// stopped for good drops off the list a minute after the track would have ended.
    static let grace: TimeInterval = 60
    /// A track of unknown length counts as ten minutes long, a long song; a video or a podcast
    /// episode that runs longer is announced again by the app's next track anyway.
    static let unknownDuration: TimeInterval = 600
    /// Players kept per user; the one seen longest ago makes room. Player names come from the
    /// client (`c`), so without a bound one user could fill the memory with made-up names. A
    /// household's user has a phone, a desktop app, a car and a tablet at most.
    static let playersPerUser = 16
    /// `c` is cut to this many characters, as the play history's session name is.
    static let playerNameLength = 60

    struct Entry: Sendable, Equatable {
        var trackId: Int64
        var playerId: Int
        var playerName: String
        var startedAt: Date
        var expiresAt: Date
    }

    private struct Player {
        var id: Int
        var announces = false
        var lastSeen: Date
        var current: Entry?
    }

    private struct Board {
        var players: [Int64: [String: Player]] = [:]   // user → player name → player
        var nextPlayerId = 1
    }

    private let board = Mutex(Board())

    /// An app said it started `trackId` (`scrobble` with `submission=false`).
    func announce(_ trackId: Int64, duration: Double?, userId: Int64, player: String?, now: Date = Date()) {
        record(trackId, duration: duration, userId: userId, player: player, now: now, announced: true)
    }

    /// An app fetched `trackId` with `stream`; counts only for apps that never announce.
    func streamed(_ trackId: Int64, duration: Double?, userId: Int64, player: String?, now: Date = Date()) {
        record(trackId, duration: duration, userId: userId, player: player, now: now, announced: false)
    }

    /// The web app's player, by the playback events it sends (`POST /api/events`, in order):
    /// `play` starts or resumes a track; `pause`, `ended`, `skip` and `delete` of the track it
    /// plays take it off the board. One player for all of a user's browser tabs, as a music
    /// app is one player whatever it plays on.
    func heard(_ events: [TelemetryIngest.Event], userId: Int64, now: Date = Date()) {
        for event in events {
            switch event.type {
            case .play:
                // The events carry a position but no length: remaining time is unknown, so the
                // entry lasts `unknownDuration`, unless a later event takes it off.
                record(event.trackId, duration: nil, userId: userId, player: Self.webPlayer, now: now, announced: true)
            case .pause, .ended, .skip, .delete:
                stop(event.trackId, userId: userId, player: Self.webPlayer)
            case .seek, .volume, .like, .dislike, .restore:
                break
            }
        }
    }

    /// The name the web app's player has among the user's players.
    static let webPlayer = "Spool web"

    /// `player` no longer plays `trackId` (it paused, ended or moved on).
    private func stop(_ trackId: Int64, userId: Int64, player: String) {
        board.withLock { board in
            guard board.players[userId]?[player]?.current?.trackId == trackId else { return }
            board.players[userId]?[player]?.current = nil
        }
    }

    /// The user's players that are playing now, the latest started first; expired entries are
    /// dropped on the way.
    func entries(userId: Int64, now: Date = Date()) -> [Entry] {
        board.withLock { board in
            guard var players = board.players[userId] else { return [] }
            for (name, player) in players where player.current.map({ $0.expiresAt <= now }) == true {
                players[name]?.current = nil
            }
            board.players[userId] = players
            return players.values.compactMap(\.current).sorted { ($0.startedAt, $0.playerId) > ($1.startedAt, $1.playerId) }
        }
    }

    private func record(_ trackId: Int64, duration: Double?, userId: Int64, player: String?, now: Date, announced: Bool) {
        let name = String((player ?? "").prefix(Self.playerNameLength))
        let length = duration.flatMap { $0.isFinite && $0 > 0 ? $0 : nil } ?? Self.unknownDuration
        board.withLock { board in
            var players = board.players[userId] ?? [:]
            var state: Player
            if let known = players[name] {
                state = known
            } else {
                if players.count >= Self.playersPerUser, let oldest = players.min(by: { $0.value.lastSeen < $1.value.lastSeen })?.key {
                    players[oldest] = nil
                }
                state = Player(id: board.nextPlayerId, lastSeen: now)
                board.nextPlayerId += 1
            }
            state.lastSeen = now
            if announced { state.announces = true }
            if announced || !state.announces {
                // A stream of what the player already plays (a seek, a resumed Range) keeps its start.
                let resumed = state.current.flatMap { !announced && $0.trackId == trackId && $0.expiresAt > now ? $0.startedAt : nil }
                let startedAt = resumed ?? now
                state.current = Entry(trackId: trackId, playerId: state.id, playerName: name, startedAt: startedAt,
                                      expiresAt: startedAt.addingTimeInterval(length + Self.grace))
            }
            players[name] = state
            board.players[userId] = players
        }
    }
}
