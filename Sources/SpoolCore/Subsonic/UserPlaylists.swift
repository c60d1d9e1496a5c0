import Foundation
import GRDB
import SpoolStore

/// A playlist a user made (in a music app): its own order of shared tracks, a track as often as
/// the user put it in. Others see it only when it is public, and may not change it.
public struct UserPlaylist: Sendable, Equatable {
    public var id: Int64
    public var ownerId: Int64
    public var ownerName: String
    public var name: String
    public var comment: String?
    public var isPublic: Bool
    public var createdAt: Date
    public var updatedAt: Date
    /// Entries the reading user may see, and their seconds.
    public var songCount: Int
    public var duration: Double
}

/// Someone else's playlist was to be changed.
public struct NotYours: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Users' own playlists, and the only writer of `playlists` and `playlist_entries`. Positions
/// are rewritten in one transaction on every change, so they stay 0…n−1; a track the reading
/// user hid, or one in the trash, is left out of what they see, and Subsonic's indexes
/// (`songIndexToRemove`) count what they see.
public struct UserPlaylists: Sendable {
    let database: SpoolDatabase
    let music: MusicLibrary

    /// Entries per playlist: a phone's playlist of 10,000 songs is already a long evening of
    /// scrolling, and each change rewrites the list in one short transaction (~20 ms at this size).
    public static let maximumEntries = 10_000
    static let maximumNameLength = 200

    /// The user's playlists and the public ones of others, by name.
    public func playlists(for user: Principal) throws -> [UserPlaylist] {
        try database.read { db in try Self.fetch(db, where: "playlists.user_id = ? OR playlists.public = 1", [user.userId], reader: user.userId) }
    }

    /// One playlist the user may read and its songs in order; nil when it does not exist or is
    /// another user's private one.
    public func playlist(_ id: Int64, for user: Principal) throws -> (UserPlaylist, [LibraryTrack])? {
        try database.read { db in
            guard let playlist = try Self.fetch(db, where: "playlists.id = ? AND (playlists.user_id = ? OR playlists.public = 1)",
                                                [id, user.userId], reader: user.userId).first else { return nil }
            let songs = try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM playlist_entries JOIN tracks ON tracks.id = playlist_entries.track_id\(LibraryTrack.joins(for: user.userId))
                WHERE playlist_entries.playlist_id = ? AND \(MusicLibrary.visible) ORDER BY playlist_entries.position
                """, arguments: [id], userId: user.userId)
            return (playlist, songs)
        }
    }

    private static func fetch(_ db: Database, where condition: String, _ arguments: StatementArguments, reader: Int64) throws -> [UserPlaylist] {
        try Row.fetchAll(db, sql: """
            SELECT playlists.*, users.name AS owner_name,
                   (SELECT count(*) FROM playlist_entries e JOIN tracks ON tracks.id = e.track_id
                        LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = \(reader)
                        WHERE e.playlist_id = playlists.id AND \(MusicLibrary.visible)) AS songs,
                   (SELECT total(tracks.duration) FROM playlist_entries e JOIN tracks ON tracks.id = e.track_id
                        LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = \(reader)
                        WHERE e.playlist_id = playlists.id AND \(MusicLibrary.visible)) AS duration
            FROM playlists JOIN users ON users.id = playlists.user_id
            WHERE \(condition) ORDER BY playlists.name COLLATE NOCASE, playlists.id
            """, arguments: arguments).map { row in
            UserPlaylist(id: row["id"], ownerId: row["user_id"], ownerName: row["owner_name"], name: row["name"],
                         comment: row["comment"], isPublic: row["public"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                         updatedAt: Date(timeIntervalSince1970: row["updated_at"]), songCount: row["songs"], duration: row["duration"])
        }
    }

    /// Creates a playlist of `trackIds` (each a song the user may see).
    public func create(name: String, trackIds: [Int64], by user: Principal) throws -> Int64 {
        let name = try Self.validName(name)
        try requireSongs(trackIds, for: user)
        let now = Date().timeIntervalSince1970
        return try database.write { db in
            try db.execute(sql: "INSERT INTO playlists (user_id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                           arguments: [user.userId, name, now, now])
            let id = db.lastInsertedRowID
            try Self.writeEntries(trackIds, of: id, db)
            return id
        }
    }

    /// Replaces the songs (and the name, when given) of one of the user's playlists.
    public func replace(_ id: Int64, name: String?, trackIds: [Int64], by user: Principal) throws {
        let name = try name.map(Self.validName)
        try requireSongs(trackIds, for: user)
        try database.write { db in
            try Self.requireOwn(id, user, db)
            try Self.writeEntries(trackIds, of: id, db)
            try db.execute(sql: "UPDATE playlists SET name = coalesce(?, name), updated_at = ? WHERE id = ?",
                           arguments: [name, Date().timeIntervalSince1970, id])
        }
    }

    /// Subsonic's `updatePlaylist`: new name, comment or visibility; songs appended; songs
    /// removed by their index in the list the user sees (before this call's additions).
    public func update(_ id: Int64, name: String?, comment: String?, isPublic: Bool?, adding: [Int64], removingIndexes: [Int],
                       by user: Principal) throws {
        let name = try name.map(Self.validName)
        if let comment, comment.count > 2000 { throw DomainError.invalid(field: "comment", "must be at most 2,000 characters.") }
        try requireSongs(adding, for: user)
        try database.write { db in
            try Self.requireOwn(id, user, db)
            if !adding.isEmpty || !removingIndexes.isEmpty {
                let rows = try Row.fetchAll(db, sql: """
                    SELECT playlist_entries.track_id, (\(MusicLibrary.visible)) AS visible
                    FROM playlist_entries JOIN tracks ON tracks.id = playlist_entries.track_id
                    LEFT JOIN user_tracks ut ON ut.track_id = tracks.id AND ut.user_id = ?
                    WHERE playlist_entries.playlist_id = ? ORDER BY playlist_entries.position
                    """, arguments: [user.userId, id])
                var entries = rows.map { (track: $0["track_id"] as Int64, visible: $0["visible"] as Bool) }
                let visiblePositions = entries.indices.filter { entries[$0].visible }
                for index in removingIndexes.sorted(by: >) {
                    guard index < visiblePositions.count else {
                        throw DomainError.invalid(field: "songIndexToRemove", "\(index) is past the playlist's \(visiblePositions.count) songs.")
                    }
                    entries.remove(at: visiblePositions[index])
                }
                try Self.writeEntries(entries.map(\.track) + adding, of: id, db)
            }
            try db.execute(sql: """
                UPDATE playlists SET name = coalesce(?, name), comment = CASE WHEN ? THEN ? ELSE comment END,
                    public = coalesce(?, public), updated_at = ? WHERE id = ?
                """, arguments: [name, comment != nil, comment.flatMap { $0.isEmpty ? nil : $0 }, isPublic, Date().timeIntervalSince1970, id])
        }
    }

    public func delete(_ id: Int64, by user: Principal) throws {
        try database.write { db in
            try Self.requireOwn(id, user, db)
            try db.execute(sql: "DELETE FROM playlists WHERE id = ?", arguments: [id])
        }
    }

    // MARK: - Rules

    private static func validName(_ raw: String) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...maximumNameLength).contains(name.count),
              !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DomainError.invalid(field: "name", "must be 1 to \(maximumNameLength) characters without control characters.")
        }
        return name
    }

    private func requireSongs(_ ids: [Int64], for user: Principal) throws {
        guard ids.count <= Self.maximumEntries else {
            throw DomainError.invalid(field: "songId", "a playlist holds at most \(Self.maximumEntries) songs.")
        }
        if let missing = try music.songs(Array(Set(ids)), for: user.userId).missing.first {
            throw DomainError.notFound("Song \(missing) not found.")
        }
    }

    private static func requireOwn(_ id: Int64, _ user: Principal, _ db: Database) throws {
        guard let row = try Row.fetchOne(db, sql: "SELECT user_id, public FROM playlists WHERE id = ?", arguments: [id]) else {
            throw DomainError.notFound("Playlist \(id) not found.")
        }
        guard row["user_id"] as Int64 == user.userId else {
            if row["public"] as Bool { throw NotYours(description: "Playlist \(id) belongs to another user.") }
            throw DomainError.notFound("Playlist \(id) not found.")
        }
    }

    private static func writeEntries(_ trackIds: [Int64], of id: Int64, _ db: Database) throws {
        guard trackIds.count <= maximumEntries else {
            throw DomainError.invalid(field: "songId", "a playlist holds at most \(maximumEntries) songs.")
        }
        try db.execute(sql: "DELETE FROM playlist_entries WHERE playlist_id = ?", arguments: [id])
        let insert = try db.cachedStatement(sql: "INSERT INTO playlist_entries (playlist_id, position, track_id) VALUES (?, ?, ?)")
        for (position, track) in trackIds.enumerated() {
            try insert.execute(arguments: [id, position, track])
        }
    }
}
