import Foundation
import GRDB
import SpoolStore
import SpoolYtDlp

/// How one download runs, read when it starts (so a profile or filter changed after the job
/// was queued applies): its source's profile as yt-dlp options, its filters, whether the file
/// is tagged and gets a cover, and what the tags say of the source.
struct DownloadPlan: Sendable {
    var options: YtDlpOptions
    var filters: SourceFilters?
    /// Tags (title, artist, album, …) are written into the file (`profiles.embed_metadata`).
    var tagMetadata: Bool
    /// The cover goes into the file too (`profiles.embed_thumbnail`).
    var embedCover: Bool
    var sourceTitle: String?
    var sourceURL: String?
    var sourceKind: SourceKind?
    /// File and folder names (the profile's template, else the standard one).
    var template: NameTemplate

    /// The plan of a download of `sourceId` (the default profile's when it has no source).
    static func read(sourceId: Int64?, database: SpoolDatabase, profiles: ProfileService) throws -> DownloadPlan {
        let (source, profile) = try database.read { db -> (Source?, Profile?) in
            let source = try sourceId.flatMap { try Source.fetchOne(db, key: $0) }
            let profileId = try source?.profileId ?? profiles.defaultProfileId(db)
            return (source, try Profile.fetchOne(db, key: profileId))
        }
        let options = profile.map { ProfileService.options(for: $0, base: profiles.base) } ?? profiles.base
        return DownloadPlan(
            options: options, filters: SourceFilters.decode(source?.filters),
            tagMetadata: profile?.embedMetadata ?? true, embedCover: profile?.embedThumbnail ?? true,
            sourceTitle: source?.title, sourceURL: source?.url, sourceKind: source?.kind,
            template: NameTemplate.of(profile))
    }
}
