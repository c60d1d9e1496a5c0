import Foundation
import GRDB
import Logging
import SpoolStore

/// Applies each source's retention rules: finds the tracks that should leave and moves them
/// to the trash, a few at a time, while the queue is idle (the scheduler's retention sweep).
/// The same query answers "what will leave on the next sweep" for the source's page.
public struct RetentionService: Sendable {
    /// A track the rules remove, and why.
    public struct Candidate: Sendable, Equatable {
        public let track: LibraryTrack
        public let reason: String
    }

    let database: SpoolDatabase
    let trash: TrashService
    let logger: Logger
    /// Tracks moved per source per sweep: each is two short writes and a few renames.
    var batchSize = 25

    /// What the rules of `sourceId` would remove now, oldest first; at most `limit`.
    public func candidates(of sourceId: Int64, limit: Int = 100) throws -> [Candidate] {
        try database.read { db in
            guard let json = try String.fetchOne(db, sql: "SELECT retention FROM sources WHERE id = ?", arguments: [sourceId]),
                  let rules = RetentionRules.decode(json) else { return [] }
            return try Self.candidates(db, sourceId: sourceId, rules: rules, now: Date(), limit: limit)
        }
    }

    /// How many tracks the rules of `sourceId` would remove now.
    public func count(of sourceId: Int64) throws -> Int {
        try candidates(of: sourceId, limit: 100_000).count
    }

    static func candidates(_ db: Database, sourceId: Int64, rules: RetentionRules, now: Date, limit: Int) throws -> [Candidate] {
        // Tracks liked by anyone never leave; the age of a track is its publication, else its download.
        let age = "coalesce(tracks.uploaded_at, tracks.created_at)"
        var reasons: [(String, String, StatementArguments)] = []
        if let keep = rules.keepNewest {
            reasons.append(("Beyond the newest \(keep)", """
                tracks.id NOT IN (SELECT id FROM tracks WHERE source_id = ? AND deleted_at IS NULL
                                  ORDER BY coalesce(uploaded_at, created_at) DESC, id DESC LIMIT ?)
                """, [sourceId, keep]))
        }
        if let days = rules.maxAgeDays {
            reasons.append(("Older than \(days) days", "\(age) < ?", [now.timeIntervalSince1970 - Double(days) * 86_400]))
        }
        if rules.removeDisliked ?? true, !rules.isEmpty {
            reasons.append(("Disliked", "EXISTS (SELECT 1 FROM user_tracks d WHERE d.track_id = tracks.id AND d.rating = -1)", []))
        }
        if let skips = rules.removeAfterSkips {
            reasons.append(("Skipped \(skips) times or more",
                            "(SELECT total(s.skip_count) FROM user_tracks s WHERE s.track_id = tracks.id) >= ?", [skips]))
        }
        var found: [Int64: Candidate] = [:]
        for (reason, condition, arguments) in reasons {
            let rows = try LibraryTrack.fetchAll(db, sql: """
                SELECT \(LibraryTrack.selection) FROM \(LibraryTrack.source(for: nil))
                WHERE tracks.source_id = ? AND tracks.deleted_at IS NULL AND tracks.kept = 0
                  AND NOT EXISTS (SELECT 1 FROM user_tracks l WHERE l.track_id = tracks.id AND l.rating = 1) AND \(condition)
                ORDER BY \(age), tracks.id LIMIT ?
                """, arguments: [sourceId] + arguments + [limit], userId: nil)
            for track in rows where found[track.id] == nil { found[track.id] = Candidate(track: track, reason: reason) }
        }
        return found.values.sorted { ($0.track.track.uploadedAt ?? $0.track.track.createdAt, $0.track.id) < ($1.track.track.uploadedAt ?? $1.track.track.createdAt, $1.track.id) }
            .prefix(limit).map { $0 }
    }

    /// One pass over every source with rules: moves up to `batchSize` tracks of each to the
    /// trash and logs each, with the reason. Returns how many moved.
    @discardableResult
    public func sweep(isIdle: () -> Bool = { true }) throws -> Int {
        let sources = try database.read { db in
            try Int64.fetchAll(db, sql: "SELECT id FROM sources WHERE retention IS NOT NULL ORDER BY id")
        }
        var moved = 0
        for source in sources {
            guard isIdle() else { break }
            for candidate in try candidates(of: source, limit: batchSize) {
                do {
                    _ = try trash.delete(candidate.track.id, work: .retention)
                    moved += 1
                    logger.info("Retention removed a track", metadata: [
                        "source": "\(source)", "track": "\(candidate.track.id)", "video": "\(candidate.track.track.videoId)",
                        "reason": "\(candidate.reason)",
                    ])
                } catch {
                    logger.warning("Retention could not remove a track", metadata: [
                        "source": "\(source)", "track": "\(candidate.track.id)", "error": "\(error)",
                    ])
                }
            }
        }
        return moved
    }
}
