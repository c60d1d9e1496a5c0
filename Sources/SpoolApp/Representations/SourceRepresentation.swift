import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// A source as the API and the live feed show it, with its counts, rules and last sync.
struct SourceRepresentation: Encodable, Sendable {
    private enum CodingKeys: String, CodingKey {
        case id, url, kind, title, remoteId, state, paused, profileId, addedAt, lastSyncedAt, nextSyncAt, lastFullSyncAt,
             syncIntervalHours, lastError, lastErrorClass, lastErrorDetail, counts, lastSync, filters, retention
    }

    /// Every field is written, `null` included, so clients see one stable shape.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(url, forKey: .url)
        try container.encode(kind, forKey: .kind)
        try container.encode(title, forKey: .title)
        try container.encode(remoteId, forKey: .remoteId)
        try container.encode(state, forKey: .state)
        try container.encode(paused, forKey: .paused)
        try container.encode(profileId, forKey: .profileId)
        try container.encode(addedAt, forKey: .addedAt)
        try container.encode(lastSyncedAt, forKey: .lastSyncedAt)
        try container.encode(nextSyncAt, forKey: .nextSyncAt)
        try container.encode(lastFullSyncAt, forKey: .lastFullSyncAt)
        try container.encode(syncIntervalHours, forKey: .syncIntervalHours)
        try container.encode(lastError, forKey: .lastError)
        try container.encode(lastErrorClass, forKey: .lastErrorClass)
        try container.encode(lastErrorDetail, forKey: .lastErrorDetail)
        try container.encode(counts, forKey: .counts)
        try container.encode(lastSync, forKey: .lastSync)
        try container.encode(filters, forKey: .filters)
        try container.encode(retention, forKey: .retention)
    }

    let id: Int64
    let url: String
    let kind: SourceKind
    let title: String?
    let remoteId: String?
    let state: SourceState
    let paused: Bool
    let profileId: Int64
    let addedAt: Date
    let lastSyncedAt: Date?
    let nextSyncAt: Date?
    let lastFullSyncAt: Date?
    let syncIntervalHours: Double
    let lastError: String?
    let lastErrorClass: JobErrorClass?
    /// The raw line of the tool behind `lastError`.
    let lastErrorDetail: String?
    let counts: SourceCounts
    /// What the last sync did: entries read, new, known, skipped by reason, unreadable.
    let lastSync: SyncSummary?
    let filters: SourceFilters?
    let retention: RetentionRules?

    init(_ snapshot: SourceSnapshot) {
        let source = snapshot.source
        id = source.id ?? 0
        url = source.url
        kind = source.kind
        title = source.title
        remoteId = source.remoteId
        state = source.state
        paused = source.paused
        profileId = source.profileId
        addedAt = source.addedAt
        lastSyncedAt = source.lastSyncedAt
        nextSyncAt = source.nextSyncAt
        lastFullSyncAt = source.lastFullSyncAt
        syncIntervalHours = Double(source.syncIntervalSeconds) / 3600
        lastError = source.lastError
        lastErrorClass = source.lastErrorClass
        lastErrorDetail = source.lastErrorDetail
        counts = snapshot.counts
        lastSync = snapshot.lastSync
        filters = snapshot.filters
        retention = snapshot.retention
    }
}

extension SourceRepresentation: JSONWritable {
    /// The keys in the wire's sorted order, `null` written for every absent field as `encode(to:)`
    /// writes it; the nested rules and summary leave out their absent fields, as their
    /// synthesized `Encodable` does (`SourceRepresentationJSONTests` compares with `JSONEncoder`). Why: 500
    /// sources through `JSONEncoder` took 64.7 ms (issue 19, second round).
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("added_at"); w.date(addedAt)
            w.key("counts")
            w.object { w in
                w.key("downloaded"); w.int(counts.downloaded)
                w.key("failed"); w.int(counts.failed)
                w.key("queued"); w.int(counts.queued)
                w.key("skipped"); w.int(counts.skipped)
                w.key("videos"); w.int(counts.videos)
            }
            w.key("filters")
            if let filters { Self.write(filters, to: &w) } else { w.null() }
            w.key("id"); w.int(id)
            w.key("kind"); w.string(kind.rawValue)
            w.key("last_error"); w.string(lastError)
            w.key("last_error_class"); w.string(lastErrorClass?.rawValue)
            w.key("last_error_detail"); w.string(lastErrorDetail)
            w.key("last_full_sync_at"); w.date(lastFullSyncAt)
            w.key("last_sync")
            if let lastSync { Self.write(lastSync, to: &w) } else { w.null() }
            w.key("last_synced_at"); w.date(lastSyncedAt)
            w.key("next_sync_at"); w.date(nextSyncAt)
            w.key("paused"); w.bool(paused)
            w.key("profile_id"); w.int(profileId)
            w.key("remote_id"); w.string(remoteId)
            w.key("retention")
            if let retention { Self.write(retention, to: &w) } else { w.null() }
            w.key("state"); w.string(state.rawValue)
            w.key("sync_interval_hours"); w.double(syncIntervalHours)
            w.key("title"); w.string(title)
            w.key("url"); w.string(url)
        }
    }

    private static func write(_ filters: SourceFilters, to writer: inout JSONWriter) {
        writer.object { w in
            if let value = filters.includeLivestreams { w.key("include_livestreams"); w.bool(value) }
            if let value = filters.includeShorts { w.key("include_shorts"); w.bool(value) }
            if let value = filters.maxDuration { w.key("max_duration"); w.double(value) }
            if let value = filters.maxItems { w.key("max_items"); w.int(value) }
            if let value = filters.minDuration { w.key("min_duration"); w.double(value) }
            if let value = filters.titleExclude { w.key("title_exclude"); w.string(value) }
            if let value = filters.titleInclude { w.key("title_include"); w.string(value) }
            if let value = filters.uploadedAfter { w.key("uploaded_after"); w.string(value) }
        }
    }

    private static func write(_ retention: RetentionRules, to writer: inout JSONWriter) {
        writer.object { w in
            if let value = retention.keepNewest { w.key("keep_newest"); w.int(value) }
            if let value = retention.maxAgeDays { w.key("max_age_days"); w.int(value) }
            if let value = retention.removeAfterSkips { w.key("remove_after_skips"); w.int(value) }
            if let value = retention.removeDisliked { w.key("remove_disliked"); w.bool(value) }
        }
    }

    private static func write(_ summary: SyncSummary, to writer: inout JSONWriter) {
        writer.object { w in
            w.key("full"); w.bool(summary.full)
            w.key("known"); w.int(summary.known)
            w.key("new"); w.int(summary.new)
            w.key("read"); w.int(summary.read)
            w.key("seconds"); w.double(summary.seconds)
            if let skipped = summary.skipped {
                // The reasons as they are (no snake_case), in code-point order: `A short` before
                // `Beyond the newest 250` before `… 9` before `a live stream`, as `JSONEncoder`
                // sorts a dictionary's keys.
                w.key("skipped")
                w.object { w in
                    for reason in skipped.keys.sorted() {
                        w.key(reason); w.int(skipped[reason] ?? 0)
                    }
                }
            }
            w.key("stopped_early"); w.bool(summary.stoppedEarly)
            w.key("unreadable"); w.int(summary.unreadable)
        }
    }
}

/// A source in a menu (`GET /api/sources?view=names`): `{"id", "kind", "paused", "title", "url"}`.
struct SourceNameRepresentation: Encodable, JSONWritable, Sendable {
    let name: SourceName

    init(_ name: SourceName) { self.name = name }

    private enum CodingKeys: String, CodingKey { case id, kind, paused, title, url }

    /// Every field is written, `null` included, as the full representation writes them.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name.id, forKey: .id)
        try container.encode(name.kind, forKey: .kind)
        try container.encode(name.paused, forKey: .paused)
        try container.encode(name.title, forKey: .title)
        try container.encode(name.url, forKey: .url)
    }

    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("id"); w.int(name.id)
            w.key("kind"); w.string(name.kind.rawValue)
            w.key("paused"); w.bool(name.paused)
            w.key("title"); w.string(name.title)
            w.key("url"); w.string(name.url)
        }
    }
}

/// `GET /api/sources/{id}`: the source, its profile's name, and what retention removes next.
struct SourceDetailRepresentation: Encodable, Sendable {
    struct Leaving: Encodable, Sendable {
        let track: TrackRepresentation
        let reason: String
    }
    struct Retention: Encodable, Sendable {
        /// How many tracks the next sweeps will move to the trash.
        let count: Int
        let next: [Leaving]
    }
    let source: SourceRepresentation
    let profileName: String?
    let retentionPreview: Retention

    private enum CodingKeys: String, CodingKey { case profileName, retentionPreview }

    func encode(to encoder: any Encoder) throws {
        try source.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(profileName, forKey: .profileName)
        try container.encode(retentionPreview, forKey: .retentionPreview)
    }

    init(_ detail: SourceService.Detail) {
        source = SourceRepresentation(detail.snapshot)
        profileName = detail.profile?.name
        retentionPreview = Retention(
            count: detail.retentionCount,
            next: detail.retentionPreview.map { Leaving(track: TrackRepresentation($0.track), reason: $0.reason) })
    }
}

/// One entry of a source's listing, with what became of it.
struct SourceEntryRepresentation: Encodable, Sendable {
    let videoId: String
    let url: String?
    let position: Int?
    let title: String
    let duration: Double?
    let uploadedAt: Date?
    let firstSeenAt: Date
    /// `downloaded`, `queued`, `failed`, `skipped` or `listed`.
    let state: String
    let skipReason: String?
    let trackId: Int64?

    private enum CodingKeys: String, CodingKey {
        case videoId, url, position, title, duration, uploadedAt, firstSeenAt, state, skipReason, trackId
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(videoId, forKey: .videoId)
        try container.encode(url, forKey: .url)
        try container.encode(position, forKey: .position)
        try container.encode(title, forKey: .title)
        try container.encode(duration, forKey: .duration)
        try container.encode(uploadedAt, forKey: .uploadedAt)
        try container.encode(firstSeenAt, forKey: .firstSeenAt)
        try container.encode(state, forKey: .state)
        try container.encode(skipReason, forKey: .skipReason)
        try container.encode(trackId, forKey: .trackId)
    }

    init(_ item: SourceService.EntryPage.Item) {
        videoId = item.entry.videoId
        url = item.entry.url
        position = item.entry.position
        title = item.entry.title
        duration = item.entry.duration
        uploadedAt = item.entry.uploadedAt
        firstSeenAt = item.entry.firstSeenAt
        state = item.state
        skipReason = item.entry.skipReason
        trackId = item.trackId
    }
}

/// The entries page writes its own JSON, like the other lists: `JSONEncoder` was most of its
/// cost (9–11 ms p50 for 100 entries at both library sizes, where the SQL takes 1 ms). The
/// keys in `JSONEncoder`'s sorted order; every optional written, as `null` when absent.
extension SourceEntryRepresentation: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("duration"); w.double(duration)
            w.key("first_seen_at"); w.date(firstSeenAt)
            w.key("position"); w.int(position)
            w.key("skip_reason"); w.string(skipReason)
            w.key("state"); w.string(state)
            w.key("title"); w.string(title)
            w.key("track_id"); w.int(trackId)
            w.key("uploaded_at"); w.date(uploadedAt)
            w.key("url"); w.string(url)
            w.key("video_id"); w.string(videoId)
        }
    }
}

/// A download profile.
struct ProfileRepresentation: Encodable, Sendable {
    let id: Int64
    let name: String
    let isDefault: Bool
    let media: ProfileMedia
    let audioCodec: String?
    let audioQuality: String?
    let maxHeight: Int?
    let format: String?
    let embedMetadata: Bool
    let embedThumbnail: Bool
    let useCookies: Bool
    let extraArgs: [String]
    /// File and folder names of its tracks (the standard template when none was set).
    let outputTemplate: String
    /// The default profile still follows the environment settings (no user edited it).
    let fromSettings: Bool
    /// Sources that use it.
    let sources: Int

    private enum CodingKeys: String, CodingKey {
        case id, name, isDefault, media, audioCodec, audioQuality, maxHeight, format, embedMetadata, embedThumbnail, useCookies,
             extraArgs, outputTemplate, fromSettings, sources
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(name, forKey: .name)
        try container.encode(isDefault, forKey: .isDefault)
        try container.encode(media, forKey: .media)
        try container.encode(audioCodec, forKey: .audioCodec)
        try container.encode(audioQuality, forKey: .audioQuality)
        try container.encode(maxHeight, forKey: .maxHeight)
        try container.encode(format, forKey: .format)
        try container.encode(embedMetadata, forKey: .embedMetadata)
        try container.encode(embedThumbnail, forKey: .embedThumbnail)
        try container.encode(useCookies, forKey: .useCookies)
        try container.encode(extraArgs, forKey: .extraArgs)
        try container.encode(outputTemplate, forKey: .outputTemplate)
        try container.encode(fromSettings, forKey: .fromSettings)
        try container.encode(sources, forKey: .sources)
    }

    init(_ profile: Profile, sources: Int) {
        id = profile.id ?? 0
        name = profile.name
        isDefault = profile.isDefault
        media = profile.media
        audioCodec = profile.audioCodec
        audioQuality = profile.audioQuality
        maxHeight = profile.maxHeight
        format = profile.format
        embedMetadata = profile.embedMetadata
        embedThumbnail = profile.embedThumbnail
        useCookies = profile.useCookies
        extraArgs = (try? JSONDecoder().decode([String].self, from: Data(profile.extraArgs.utf8))) ?? []
        outputTemplate = profile.outputTemplate ?? NameTemplate.standard
        fromSettings = profile.fromSettings
        self.sources = sources
    }
}

/// What a profile's name template would move (`GET /api/profiles/{id}/renames`).
struct RenamePreviewRepresentation: Encodable, Sendable {
    struct Move: Encodable, Sendable {
        let trackId: Int64
        let from: String
        let to: String
    }
    let template: String
    let tracks: Int
    let toMove: Int
    let examples: [Move]

    init(_ preview: LibraryRenames.Preview) {
        template = preview.template
        tracks = preview.tracks
        toMove = preview.toMove
        examples = preview.examples.map { Move(trackId: $0.trackId, from: $0.from, to: $0.to) }
    }
}
