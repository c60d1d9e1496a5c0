import Foundation
import SpoolStore

/// A track as the API and the live feed show it: no file paths, but the URLs to play it.
struct TrackRepresentation: Encodable, Sendable {
    let id: Int64
    let videoId: String
    let channelId: Int64?
    let channelTitle: String?
    let title: String
    let uploader: String?
    let duration: Double?
    let size: Int64
    let mimeType: String
    let hasThumbnail: Bool
    let rating: Int
    let likedAt: Date?
    let playCount: Int
    let skipCount: Int
    let lastPosition: Double?
    let lastPlayedAt: Date?
    let deletedAt: Date?
    let createdAt: Date
    let mediaUrl: String
    let thumbnailUrl: String?

    init(_ track: Track, channelTitle: String?) {
        let id = track.id ?? 0
        self.id = id
        videoId = track.videoId
        channelId = track.channelId
        self.channelTitle = channelTitle
        title = track.title
        uploader = track.uploader
        duration = track.duration
        size = track.size
        mimeType = track.mimeType
        hasThumbnail = track.thumbnailPath != nil
        rating = track.rating
        likedAt = track.likedAt
        playCount = track.playCount
        skipCount = track.skipCount
        lastPosition = track.lastPosition
        lastPlayedAt = track.lastPlayedAt
        deletedAt = track.deletedAt
        createdAt = track.createdAt
        mediaUrl = "/media/\(id)"
        thumbnailUrl = track.thumbnailPath == nil ? nil : "/media/\(id)/thumbnail"
    }

    init(_ item: LibraryTrack) {
        self.init(item.track, channelTitle: item.channelTitle)
    }
}

/// A page of tracks; `next_before` is an opaque cursor (null on the last page).
struct TrackPage: Encodable {
    let tracks: [TrackRepresentation]
    let nextBefore: Int?

    private enum CodingKeys: String, CodingKey { case tracks, nextBefore }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(tracks, forKey: .tracks)
        try container.encode(nextBefore, forKey: .nextBefore)
    }
}
