import Foundation
import GRDB
import SpoolMedia
import SpoolStore

/// A track's artwork (and a source's: its newest track's) as square JPEGs in two sizes: the
/// cover and a small variant for lists. Made once from the thumbnail yt-dlp saved or, failing
/// that, the cover embedded in the file, and kept in `LIBRARY_DIR/.cache/artwork/` until the
/// image it was made from changes: a library page of 100 rows then costs 100 file reads, not
/// 100 ffmpeg runs (~50 ms each).
public struct ArtworkService: Sendable {
    public enum Size: String, Sendable, CaseIterable {
        /// At most 1200 px, for the player and the source's page.
        case cover
        /// 96 px, for rows.
        case list

        var variant: Artwork.Variant { self == .cover ? .cover : .list }
    }

    let database: SpoolDatabase
    let paths: LibraryPaths
    let media: MediaTools?

    var cacheRoot: String { paths.root + "/.cache/artwork" }

    /// The path of the track's artwork in `size`, made if needed; nil when it has none.
    public func artwork(ofTrack id: Int64, size: Size) throws -> String? {
        guard let track = try database.read({ try Track.fetchOne($0, key: id) }), track.deletedAt == nil else {
            throw DomainError.notFound("No track with id \(id) (it may be in the trash).")
        }
        return try artwork(of: track, size: size)
    }

    /// The artwork of a source: its newest track's that has one.
    public func artwork(ofSource id: Int64, size: Size) throws -> String? {
        let tracks = try database.read { db -> [Track]? in
            guard try Source.exists(db, key: id) else { return nil }
            return try Track.fetchAll(db, sql: """
                SELECT * FROM tracks WHERE source_id = ? AND deleted_at IS NULL
                ORDER BY thumbnail_path IS NULL, coalesce(uploaded_at, created_at) DESC LIMIT 5
                """, arguments: [id])
        }
        guard let tracks else { throw DomainError.notFound("No source with id \(id).") }
        for track in tracks {
            if let path = try artwork(of: track, size: size) { return path }
        }
        return nil
    }

    /// Sides of the scaled copies made for players that ask for a size (Subsonic's
    /// `getCoverArt?size=`): a request is served the smallest copy at least as big, and anything
    /// above the last one gets the cover itself, so a track has at most four extra files
    /// whatever sizes clients ask for.
    public static let scaledSides = [96, 160, 320, 640]

    /// The track's artwork at about `side` pixels (nil: the cover); nil when it has none.
    public func artwork(ofTrack id: Int64, side: Int?) throws -> String? {
        try scaled(try artwork(ofTrack: id, size: .cover), side: side)
    }

    /// The source's artwork at about `side` pixels (nil: the cover); nil when it has none.
    public func artwork(ofSource id: Int64, side: Int?) throws -> String? {
        try scaled(try artwork(ofSource: id, size: .cover), side: side)
    }

    /// A copy of `cover` scaled to the bucket of `side`, made once and remade when the cover
    /// changes.
    private func scaled(_ cover: String?, side: Int?) throws -> String? {
        guard let cover, let side, let media,
              let bucket = Self.scaledSides.first(where: { $0 >= side }), cover.hasSuffix("-cover.jpg") else { return cover }
        let copy = String(cover.dropLast("-cover.jpg".count)) + "-\(bucket).jpg"
        if let made = Self.modified(copy), made >= Self.modified(cover) ?? 0 { return copy }
        guard let image = try? Artwork(tools: media).image(fromFile: cover, side: bucket) else { return cover }
        let temporary = copy + ".partial-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: image.data), rename(temporary, copy) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            return cover
        }
        return copy
    }

    private func artwork(of track: Track, size: Size) throws -> String? {
        guard let media, let id = track.id else { return nil }
        let origin = track.thumbnailPath.flatMap(paths.absolute) ?? paths.absolute(track.filePath)
        guard let origin, let originReal = LibraryPaths.resolved(origin, inside: paths.root) else { return nil }
        let cached = cacheRoot + "/\(id)-\(size.rawValue).jpg"
        let none = cacheRoot + "/\(id)-none"
        let originChanged = Self.modified(originReal) ?? 0
        if let made = Self.modified(cached), made >= originChanged { return cached }
        if let marked = Self.modified(none), marked >= originChanged { return nil }
        let artwork = Artwork(tools: media)
        let image: CoverImage?
        do {
            image = track.thumbnailPath != nil
                ? try artwork.image(fromFile: originReal, variant: size.variant)
                : try artwork.image(embeddedIn: originReal, variant: size.variant)
        } catch {
            image = nil
        }
        _ = LibraryPaths.makeFolders(cacheRoot)
        guard let image else {
            // Remember that there is none, so a list does not run ffmpeg for it again.
            _ = FileManager.default.createFile(atPath: none, contents: Data())
            return nil
        }
        let temporary = cached + ".partial-\(UUID().uuidString.prefix(8))"
        guard FileManager.default.createFile(atPath: temporary, contents: image.data), rename(temporary, cached) == 0 else {
            try? FileManager.default.removeItem(atPath: temporary)
            throw DomainError.unavailable("The artwork could not be stored in \(cacheRoot).")
        }
        return cached
    }

    private static func modified(_ path: String) -> Double? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }
}
