import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// A track as the API and the live feed show it: no file paths, but the URLs to play it. The
/// caller's own state (rating, counts, position) is included when the track was read for them;
/// an event every client receives leaves those keys out, so a client keeps what it knows.
struct TrackRepresentation: Encodable, Sendable {

    private enum CodingKeys: String, CodingKey {
        case id, videoId, sourceId, sourceTitle, title, uploader, duration, size, mimeType, hasThumbnail, rating, likedAt, playCount, skipCount, lastPosition, lastPlayedAt, deletedAt, createdAt, uploadedAt, mediaUrl, thumbnailUrl, artworkUrl, artist, album, trackNumber
    }

    /// Every field is written, `null` included, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(videoId, forKey: .videoId)
        try container.encode(sourceId, forKey: .sourceId)
        try container.encode(sourceTitle, forKey: .sourceTitle)
        try container.encode(title, forKey: .title)
        try container.encode(uploader, forKey: .uploader)
        try container.encode(duration, forKey: .duration)
        try container.encode(size, forKey: .size)
        try container.encode(mimeType, forKey: .mimeType)
        try container.encode(hasThumbnail, forKey: .hasThumbnail)
        if let state {
            try container.encode(state.rating, forKey: .rating)
            try container.encode(state.likedAt, forKey: .likedAt)
            try container.encode(state.playCount, forKey: .playCount)
            try container.encode(state.skipCount, forKey: .skipCount)
            try container.encode(state.lastPosition, forKey: .lastPosition)
            try container.encode(state.lastPlayedAt, forKey: .lastPlayedAt)
        }
        try container.encode(deletedAt, forKey: .deletedAt)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(mediaUrl, forKey: .mediaUrl)
        try container.encode(thumbnailUrl, forKey: .thumbnailUrl)
        try container.encode(uploadedAt, forKey: .uploadedAt)
        try container.encode(artworkUrl, forKey: .artworkUrl)
        try container.encode(artist, forKey: .artist)
        try container.encode(album, forKey: .album)
        try container.encode(trackNumber, forKey: .trackNumber)
    }
    let id: Int64
    let videoId: String
    let sourceId: Int64?
    let sourceTitle: String?
    let title: String
    let uploader: String?
    let duration: Double?
    let size: Int64
    let mimeType: String
    let hasThumbnail: Bool
    let state: UserTrackState?
    let deletedAt: Date?
    let createdAt: Date
    let mediaUrl: String
    let thumbnailUrl: String?
    let uploadedAt: Date?
    /// Square JPEG artwork (`?size=list` for rows); 404 when the track has none.
    let artworkUrl: String
    /// The music tags written into the file (null for tracks downloaded before tagging).
    let artist: String?
    let album: String?
    let trackNumber: Int?

    init(_ track: Track, sourceTitle: String?, state: UserTrackState?) {
        self.state = state
        let id = track.id ?? 0
        self.id = id
        videoId = track.videoId
        sourceId = track.sourceId
        self.sourceTitle = sourceTitle
        title = track.title
        uploader = track.uploader
        duration = track.duration
        size = track.size
        mimeType = track.mimeType
        hasThumbnail = track.thumbnailPath != nil
        deletedAt = track.deletedAt
        createdAt = track.createdAt
        mediaUrl = "/media/\(id)"
        thumbnailUrl = track.thumbnailPath == nil ? nil : "/media/\(id)/thumbnail"
        uploadedAt = track.uploadedAt
        artworkUrl = "/api/tracks/\(id)/artwork"
        artist = track.artist
        album = track.album
        trackNumber = track.trackNumber
    }

    init(_ item: LibraryTrack) {
        self.init(item.track, sourceTitle: item.sourceTitle, state: item.state)
    }
}

extension TrackRepresentation: JSONWritable {
    /// The keys in the wire's sorted order (`JSONWriterTests` compares with `JSONEncoder`).
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("album"); w.string(album)
            w.key("artist"); w.string(artist)
            w.key("artwork_url"); w.string(artworkUrl)
            w.key("created_at"); w.date(createdAt)
            w.key("deleted_at"); w.date(deletedAt)
            w.key("duration"); w.double(duration)
            w.key("has_thumbnail"); w.bool(hasThumbnail)
            w.key("id"); w.int(id)
            // The caller's own state, only when the track was read for someone (as `encode`).
            if let state {
                w.key("last_played_at"); w.date(state.lastPlayedAt)
                w.key("last_position"); w.double(state.lastPosition)
                w.key("liked_at"); w.date(state.likedAt)
            }
            w.key("media_url"); w.string(mediaUrl)
            w.key("mime_type"); w.string(mimeType)
            if let state {
                w.key("play_count"); w.int(state.playCount)
                w.key("rating"); w.int(state.rating)
            }
            w.key("size"); w.int(size)
            if let state { w.key("skip_count"); w.int(state.skipCount) }
            w.key("source_id"); w.int(sourceId)
            w.key("source_title"); w.string(sourceTitle)
            w.key("thumbnail_url"); w.string(thumbnailUrl)
            w.key("title"); w.string(title)
            w.key("track_number"); w.int(trackNumber)
            w.key("uploaded_at"); w.date(uploadedAt)
            w.key("uploader"); w.string(uploader)
            w.key("video_id"); w.string(videoId)
        }
    }
}

/// A page of tracks (the library, the trash, the likes); `next_before` is an opaque cursor
/// (null on the last page).
struct TrackPage: Encodable {
    let tracks: [TrackRepresentation]
    /// How many tracks the list holds in all (matching the filters); for a search that matches
    /// more than `TrackLibrary.searchTotalCap`, the cap.
    let total: Int
    /// False when `total` is the cap of a search's count: the list holds more ("1,000+").
    let totalIsExact: Bool
    let nextBefore: String?

    init(_ page: ListPage<LibraryTrack>) {
        self.init(tracks: page.items.map(TrackRepresentation.init), total: page.total ?? page.items.count,
                  totalIsExact: page.totalIsExact, nextBefore: page.next?.token)
    }

    init(tracks: [TrackRepresentation], total: Int, totalIsExact: Bool = true, nextBefore: String?) {
        self.tracks = tracks
        self.total = total
        self.totalIsExact = totalIsExact
        self.nextBefore = nextBefore
    }

    private enum CodingKeys: String, CodingKey { case tracks, total, totalIsExact, nextBefore }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tracks, forKey: .tracks)
        try container.encode(total, forKey: .total)
        try container.encode(totalIsExact, forKey: .totalIsExact)
        try container.encode(nextBefore, forKey: .nextBefore)
    }
}

extension TrackPage: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("next_before"); w.string(nextBefore)
            w.key("total"); w.int(total)
            w.key("total_is_exact"); w.bool(totalIsExact)
            w.key("tracks"); w.array(tracks)
        }
    }
}
