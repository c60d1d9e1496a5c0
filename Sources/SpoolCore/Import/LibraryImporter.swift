import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolMedia
import SpoolProcess
import SpoolStore

/// Adopts the media files of a folder into the library: the work of one `library_import` job.
///
/// Folder by folder (parents first), each file is told apart by its content: text (perhaps a
/// download archive) and pictures by their first bytes, everything else by ffprobe
/// (`MediaProbe`). A media file's video id comes from its sidecar, tags, name or an archive
/// (`VideoIdentity`), its source from its sidecar or tags (`ImportSourceResolver`). A video
/// Spool knows (a track, in the trash too, a tombstone, a queued download) is not adopted
/// again, so a second run adds nothing. New tracks are written by `TrackStore.insertAdopted`
/// with their `source_entries` row (so re-syncs skip them) and the report, up to `batchSize`
/// per transaction.
///
/// - **In place** (the default) no file is moved or changed: the folder lies inside
///   `LIBRARY_DIR` (`ImportService.validatedFolder` refuses any other), and the rows point at
///   the files where they are, with their sidecar and thumbnail.
/// - **`--move`** puts each file (and its `.info.json` and thumbnail) at its place in the
///   library where a download of it would go (its source profile's name template, numbered on
///   a collision) in the crash-safe order of
///   `ImportPlacement`, then removes folders the move left empty.
///
/// A file that is not readable media is listed with ffprobe's reason and the run goes on; text
/// files and pictures named after a media file (`X.description`, `X.jpg` beside `X.m4a`) are
/// its companions and not listed. Hidden files and symbolic links are not followed
/// (`ImportScan`). Only a tool problem stops the run: ffprobe missing (`FFMPEG_PATH`), the
/// database or library failing.
struct LibraryImporter: Sendable {
    let database: SpoolDatabase
    let paths: LibraryPaths
    let tools: MediaTools?
    let sources: SourceService
    let hub: EventHub
    let logger: Logger
    /// Tracks written per transaction at most: 100 rows and their entries take a few ms.
    var batchSize = 100
    /// How often the report is written while no batch commits (a poll sees the counts move).
    var reportInterval = 1.0
    /// A folder's adopted files are committed once this long passed since the last commit,
    /// even when fewer than `batchSize` wait.
    var flushInterval = 2.0

    /// One run's inputs.
    struct Run {
        let jobId: Int64
        /// When the job was queued: a track created since, for the file it found, was adopted
        /// by an earlier attempt of this job (before a crash or restart).
        let since: Date
        /// Absolute and free of links (`ImportService.validatedFolder`).
        let folder: String
        let move: Bool
        let cancellation: ProcessCancellation
        let isCancelled: @Sendable () -> Bool
        let touch: @Sendable () -> Void
        /// Percent done and seconds left.
        let progress: (Double, Int?) -> Void
    }

    /// Runs the import, updating `report` (also in the database) as it goes. Throws
    /// `JobFailure(.cancelled)` when stopped, after committing the files already examined.
    func run(_ run: Run, report: inout ImportReport) throws {
        guard let tools else {
            throw JobFailure(.permanent, "ffprobe was not found: set FFMPEG_PATH to an ffmpeg with ffprobe beside it.")
        }
        let session = try ImportSession(importer: self, run: run, probe: MediaProbe(tools: tools), report: report)
        defer { report = session.report }
        let scan = ImportScan.walk(run.folder, isCancelled: run.isCancelled)
        session.report.filesFound = scan.fileCount
        try session.saveReport()
        for folder in scan.folders {
            try session.importFolder(folder)
        }
        try session.flush()
        if run.isCancelled() { throw session.stopped() }
        if run.move { session.removeEmptyFolders(scan.folders.map(\.path), root: run.folder) }
        try? FileManager.default.removeItem(atPath: session.stagingFolder)
        logger.info("Library import finished", metadata: [
            "job": "\(run.jobId)", "folder": "\(run.folder)", "move": "\(run.move)", "files": "\(session.report.filesFound ?? 0)",
            "adopted": "\(session.report.adopted)", "known": "\(session.report.alreadyKnown)",
            "unreadable": "\(session.report.unreadableCount)", "skipped": "\(session.report.skippedCount)",
            "sources_created": "\(session.report.sourcesCreated.count)",
        ])
    }
}

/// A media file ready to become a track.
private struct Adoption {
    var track: Track
    var sourceTitle: String?
    var entryURL: String?
    /// Relative to the imported folder, for the report.
    var displayPath: String
    /// The media file and its companions (`info.json`, a thumbnail's extension), absolute.
    var origin: String
    var companions: [(origin: String, suffix: String)]
    /// With `--move`: the name template of the track's profile and what its fields hold.
    var naming: (template: NameTemplate, values: NameTemplate.Values)?
    /// Each file and where its row says it is (absolute), media first. In place both are the
    /// same; moved, the targets are chosen when the files are placed.
    var files: [(origin: String, target: String)] = []
}

/// The mutable state of one run.
private final class ImportSession {
    let importer: LibraryImporter
    let run: LibraryImporter.Run
    let probe: MediaProbe
    let resolver: ImportSourceResolver
    let placement: ImportPlacement
    var report: ImportReport
    /// `LIBRARY_DIR` resolved, which in-place paths are made relative to.
    let libraryRoot: String
    let stagingFolder: String
    /// Archive ids by the folder that holds the archive (they cover its subfolders).
    var archives: [String: Set<String>] = [:]
    /// Videos adopted in this run, with the file (a second file of one video is a duplicate).
    var adoptedFiles: [String: String] = [:]
    var pending: [Adoption] = []
    /// Name templates by source (nil: no source), read once per run.
    var templates: [Int64?: NameTemplate] = [:]
    var lastSave = Date.distantPast
    let started = Date()

    init(importer: LibraryImporter, run: LibraryImporter.Run, probe: MediaProbe, report: ImportReport) throws {
        self.importer = importer
        self.run = run
        self.probe = probe
        self.report = report
        self.resolver = try ImportSourceResolver(database: importer.database, sources: importer.sources, created: report.sourcesCreated)
        self.libraryRoot = LibraryPaths.realPath(importer.paths.root) ?? importer.paths.root
        self.stagingFolder = importer.paths.partialRoot + "/import-\(run.jobId)"
        self.placement = ImportPlacement(staging: stagingFolder, touch: run.touch)
        try? FileManager.default.removeItem(atPath: stagingFolder)
    }

    // MARK: - One folder

    /// What the first look found about one file.
    private struct Probed {
        let name: String
        let info: MediaInfo
    }

    private struct Loose {
        let name: String
        let kind: String
        let reason: String
        /// A text file or picture: a companion of a media file named like it.
        let companionCandidate: Bool
    }

    func importFolder(_ folder: ImportScan.Folder) throws {
        for name in folder.links {
            report.addSkipped(display(folder.path, name), kind: "link",
                              reason: "a symbolic link; links are not followed (import the folder it points into)")
        }
        report.filesExamined += folder.sidecars.count + folder.links.count
        var media: [Probed] = []
        var loose: [Loose] = []
        let tracked = try trackedFiles(in: folder)
        for name in folder.files {
            if run.isCancelled() { throw stopped() }
            let path = folder.path + "/" + name
            if let track = tracked[name] {
                // A track's own file (a second run, Spool's own folders): known without ffprobe.
                countKnown(track, display: display(folder.path, name))
                report.filesExamined += 1
                tick()
                continue
            }
            switch ImportContent.sniff(path) {
            case .archive(let ids):
                archives[folder.path, default: []].formUnion(ids)
            case .text:
                loose.append(Loose(name: name, kind: MediaRejection.Kind.notMedia.rawValue, reason: "a text file, not audio or video", companionCandidate: true))
            case .image(let format):
                loose.append(Loose(name: name, kind: MediaRejection.Kind.notMedia.rawValue, reason: "an image (\(format)), not audio or video", companionCandidate: true))
            case .unreadable(let reason):
                loose.append(Loose(name: name, kind: MediaRejection.Kind.unreadable.rawValue, reason: reason, companionCandidate: false))
            case .other:
                do {
                    media.append(Probed(name: name, info: try probe.probe(path, cancellation: run.cancellation)))
                } catch let rejection as MediaRejection {
                    loose.append(Loose(name: name, kind: rejection.kind.rawValue, reason: rejection.reason, companionCandidate: false))
                } catch MediaToolError.cancelled {
                    throw stopped()
                } catch MediaToolError.cannotRun(let tool, let reason) {
                    throw JobFailure(.permanent, "\(tool) cannot run (\(reason)); set FFMPEG_PATH to an ffmpeg with ffprobe beside it.")
                } catch {
                    // Timed out or failed on this file: the file's problem as far as the user can tell.
                    loose.append(Loose(name: name, kind: MediaRejection.Kind.unreadable.rawValue, reason: "\(error)", companionCandidate: false))
                }
            }
            report.filesExamined += 1
            tick()
        }
        let stems = Set(media.map { VideoIdentity.stem(of: $0.name) } + tracked.keys.map(VideoIdentity.stem(of:)))
        var thumbnails: [String: String] = [:]
        for item in loose {
            let owner = item.companionCandidate ? stems.first { item.name.hasPrefix($0 + ".") } : nil
            guard let owner else {
                report.addUnreadable(display(folder.path, item.name), kind: item.kind, reason: item.reason)
                continue
            }
            let suffix = String(item.name.dropFirst(owner.count + 1)).lowercased()
            if ["jpg", "jpeg", "png", "webp"].contains(suffix), thumbnails[owner] == nil { thumbnails[owner] = item.name }
        }
        try adopt(media, in: folder, thumbnails: thumbnails)
        // Tracks show up while a long import runs, not only once 100 are pending.
        if !pending.isEmpty, Date().timeIntervalSince(lastSave) >= importer.flushInterval { try flush() }
        try saveReportIfDue()
    }

    /// A media file with what identifies it.
    private struct Identified {
        let probed: Probed
        let id: String
        let sidecar: ImportSidecar?
        let tags: MediaTags
    }

    private func adopt(_ media: [Probed], in folder: ImportScan.Folder, thumbnails: [String: String]) throws {
        guard !media.isEmpty else { return }
        let archiveIds = archives.filter { folder.path == $0.key || folder.path.hasPrefix($0.key + "/") }
            .values.reduce(into: Set<String>()) { $0.formUnion($1) }
        let bracketed = media.compactMap { VideoIdentity.bracketedId(in: VideoIdentity.stem(of: $0.name)) }
        let confirmed = try knownIds(bracketed.filter { !VideoIdentity.isYouTubeShaped($0) && !archiveIds.contains($0) })
        var identified: [Identified] = []
        for probed in media {
            let stem = VideoIdentity.stem(of: probed.name)
            let sidecar = folder.sidecars[stem].flatMap { ImportSidecar.read(folder.path + "/" + $0) }
            let clues = VideoIdentity.Clues(
                fileName: probed.name, sidecarId: sidecar?.id, tags: probed.info.tags.values, archiveIds: archiveIds, knownIds: confirmed)
            guard let (id, _) = VideoIdentity.identify(clues) else {
                report.addSkipped(display(folder.path, probed.name), kind: "no_video_id",
                                  reason: "no video id: no sidecar, no SPOOL_VIDEO_ID tag, no YouTube-shaped or archived [id] in the name, no archive line naming it, no YouTube URL in the comment")
                continue
            }
            identified.append(Identified(probed: probed, id: id, sidecar: sidecar, tags: probed.info.tags))
        }
        let known = try knownVideos(identified.map(\.id))
        var folderSources = Set(known.tracks.values.compactMap(\.sourceId))
        var fresh: [(Identified, ImportSourceResolver.Known?)] = []
        for item in identified {
            let path = folder.path + "/" + item.probed.name
            if let earlier = adoptedFiles[item.id] {
                report.addSkipped(display(folder.path, item.probed.name), kind: "duplicate",
                                  reason: "another file of video \(item.id) was adopted: \(earlier)")
                continue
            }
            if let track = known.tracks[item.id] {
                if track.createdAt >= run.since, finishEarlierAdoption(of: track, file: path, folder: folder, thumbnails: thumbnails) {
                    countKnown(track, display: display(folder.path, item.probed.name))
                } else {
                    report.alreadyKnown += 1
                }
                continue
            }
            if known.others.contains(item.id) {
                report.alreadyKnown += 1
                continue
            }
            let createdBefore = resolver.created.count
            let source = try resolver.source(
                sidecar: item.sidecar, sourceURLTag: item.tags.spoolSourceURL,
                titleHint: item.tags["album_artist"] ?? item.tags["artist"])
            if resolver.created.count > createdBefore {
                // Recorded at once: an attempt that follows a crash finds the source as existing,
                // and the report must still say this import created it.
                report.sourcesCreated = resolver.created
                try saveReport()
            }
            if let source { folderSources.insert(source.id) }
            fresh.append((item, source))
            adoptedFiles[item.id] = display(folder.path, item.probed.name)
        }
        let listed = try resolver.listingSources(of: fresh.filter { $0.1 == nil }.map(\.0.id))
        let folderSource = folderSources.count == 1 ? try resolver.known(folderSources.first!) : nil
        for (item, own) in fresh {
            pending.append(try adoption(of: item, in: folder, source: own ?? listed[item.id] ?? folderSource, thumbnails: thumbnails))
            if pending.count >= importer.batchSize { try flush() }
        }
    }

    private func adoption(of item: Identified, in folder: ImportScan.Folder, source: ImportSourceResolver.Known?, thumbnails: [String: String]) throws -> Adoption {
        let name = item.probed.name
        let stem = VideoIdentity.stem(of: name)
        let sidecar = item.sidecar
        let tags = item.tags
        let title = sidecar?.title ?? tags["title"].flatMap(Self.nonEmpty) ?? Self.title(fromStem: stem, id: item.id)
        let uploader = sidecar?.channel ?? sidecar?.uploader ?? tags["artist"].flatMap(Self.nonEmpty) ?? tags["album_artist"].flatMap(Self.nonEmpty)
        let artist = tags["artist"].flatMap(Self.nonEmpty) ?? sidecar?.artist
        let album = tags["album"].flatMap(Self.nonEmpty) ?? sidecar?.album
        let trackNumber = tags["track"].flatMap { Int($0.prefix { $0.isNumber }) } ?? sidecar?.trackNumber
        let (contentType, fileExtension) = ImportedMedia.kind(of: item.probed.info, fileName: name)
        let origin = folder.path + "/" + name
        var companions: [(origin: String, suffix: String)] = []
        if let info = folder.sidecars[stem] { companions.append((folder.path + "/" + info, "info.json")) }
        if let thumbnail = thumbnails[stem] {
            companions.append((folder.path + "/" + thumbnail, String(thumbnail.dropFirst(stem.count + 1)).lowercased()))
        }
        var track = Track(
            videoId: item.id, sourceId: source?.id, title: String(title.prefix(1000)), uploader: uploader,
            duration: item.probed.info.duration ?? sidecar?.duration, filePath: "",
            size: Library.fileSize(origin), mimeType: contentType,
            uploadedAt: sidecar?.uploadedAt ?? tags["date"].flatMap(Self.date))
        track.artist = artist
        track.album = album
        track.trackNumber = trackNumber
        let commentURL = tags["comment"].flatMap { $0.hasPrefix("http") ? $0 : nil }
        var adoption = Adoption(track: track, sourceTitle: source?.title, entryURL: sidecar?.pageURL ?? commentURL,
                                displayPath: display(folder.path, name), origin: origin, companions: companions)
        if run.move {
            let values = NameTemplate.Values(
                source: source?.title, artist: artist, album: album, title: title, track: trackNumber, id: item.id,
                uploader: uploader, uploadedAt: track.uploadedAt, ext: fileExtension)
            adoption.naming = (try template(forSource: source?.id), values)
        } else {
            adoption.files = [(origin, origin)] + companions.map { ($0.origin, $0.origin) }
            setPaths(of: &adoption)
        }
        return adoption
    }

    /// The name template of a source's profile (the default profile's without a source), as
    /// downloads name their files.
    private func template(forSource id: Int64?) throws -> NameTemplate {
        if let known = templates[id] { return known }
        let template = try DownloadPlan.read(sourceId: id, database: importer.database, profiles: importer.sources.profiles).template
        templates[id] = template
        return template
    }

    /// The row's paths from `files` (media first, then companions by their suffix).
    private func setPaths(of adoption: inout Adoption) {
        adoption.track.filePath = relativePath(adoption.files[0].target)
        adoption.track.infoPath = nil
        adoption.track.thumbnailPath = nil
        for file in adoption.files.dropFirst() {
            if file.origin.lowercased().hasSuffix(ImportScan.sidecarSuffix) {
                adoption.track.infoPath = relativePath(file.target)
            } else {
                adoption.track.thumbnailPath = relativePath(file.target)
            }
        }
    }

    /// A library-relative path of an absolute one (in place: under the resolved library root;
    /// moved: under `LIBRARY_DIR` as configured).
    private func relativePath(_ absolute: String) -> String {
        for root in [importer.paths.root, libraryRoot] where absolute.hasPrefix(root + "/") {
            return String(absolute.dropFirst(root.count + 1))
        }
        return absolute
    }

    // MARK: - Committing

    /// Places the pending files (with `--move`), writes their rows, the entries and the report
    /// in one transaction, then releases the originals.
    func flush() throws {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll()
        var placed: [Adoption] = []
        if run.move {
            var folders = Set<String>()
            var claimed = Set<String>()
            for var adoption in batch {
                if let failure = place(&adoption, claimed: &claimed) {
                    report.addSkipped(adoption.displayPath, kind: failure.kind, reason: failure.reason)
                    adoptedFiles.removeValue(forKey: adoption.track.videoId)
                    continue
                }
                placed.append(adoption)
                for file in adoption.files { folders.insert((file.target as NSString).deletingLastPathComponent) }
            }
            folders.forEach(ImportPlacement.syncFolder)
            FaultInjection.crashIfRequested(after: "import_place")
        } else {
            placed = batch
        }
        let jobId = run.jobId
        let created = resolver.created
        let now = Date()
        var inserted: [(Adoption, Track)] = []
        var raced: [Adoption] = []
        do {
            report = try importer.database.write { db in
                var updated = report
                inserted = []
                raced = []
                for adoption in placed {
                    guard let row = try TrackStore.insertAdopted(adoption.track, db) else {
                        // A download or another import got there first.
                        raced.append(adoption)
                        updated.alreadyKnown += 1
                        continue
                    }
                    if let sourceId = row.sourceId {
                        try SourceService.recordKnownEntry(
                            db, sourceId: sourceId, videoId: row.videoId, url: adoption.entryURL, title: row.title,
                            duration: row.duration, uploadedAt: row.uploadedAt, now: now)
                    }
                    inserted.append((adoption, row))
                    updated.adopted += 1
                    if row.sourceId == nil { updated.adoptedWithoutSource += 1 }
                }
                updated.sourcesCreated = created
                try ImportReportStore.save(updated, jobId: jobId, db)
                return updated
            }
        } catch {
            if run.move { for adoption in placed { withdraw(adoption) } }
            throw error
        }
        lastSave = Date()
        FaultInjection.crashIfRequested(after: "import_rows")
        if run.move {
            for (adoption, _) in inserted {
                for file in adoption.files { placement.release(file.origin, placedAt: file.target) }
            }
            for adoption in raced { withdraw(adoption) }
        }
        for (adoption, row) in inserted {
            importer.hub.publish(.trackAdded(LibraryTrack(track: row, sourceTitle: adoption.sourceTitle)))
        }
    }

    /// Step 1 of the move for every file of one track, at the first name its template gives
    /// that no other track's row, no other file of this batch and no other file on disk holds
    /// (` (2)`, ` (3)`, … before the extension, as downloads do). A name that already holds
    /// this file's data is its own (a resumed run). Companions follow the media's name; one that
    /// cannot be placed stays where it is. Returns why the media could not be placed.
    private func place(_ adoption: inout Adoption, claimed: inout Set<String>) -> (kind: String, reason: String)? {
        guard let (template, values) = adoption.naming else { return ("failed", "no name for the file") }
        var first: String?
        for attempt in 1...Library.maximumNameAttempts {
            let relative = template.render(values, suffix: attempt == 1 ? "" : " (\(attempt))")
            first = first ?? relative
            guard !claimed.contains(relative), !isTaken(relative, byOtherThan: adoption.track.videoId),
                  let target = importer.paths.absolute(relative) else { continue }
            do {
                try placement.place(adoption.origin, at: target)
            } catch .occupied {
                continue
            } catch {
                return ("failed", error.description)
            }
            claimed.insert(relative)
            adoption.files = [(adoption.origin, target)]
            let base = (target as NSString).deletingPathExtension
            for companion in adoption.companions {
                let companionTarget = base + "." + LibraryNaming.safeName(companion.suffix, limit: 10)
                if (try? placement.place(companion.origin, at: companionTarget)) != nil {
                    adoption.files.append((companion.origin, companionTarget))
                }
            }
            setPaths(of: &adoption)
            return nil
        }
        return ("occupied", "\(Library.maximumNameAttempts) files already have the name \(first ?? "") or its numbered variants; add {id} to the profile's name template.")
    }

    /// Whether another track's row holds a library path (in the trash too: its files come back
    /// there on restore).
    private func isTaken(_ relative: String, byOtherThan videoId: String) -> Bool {
        (try? importer.database.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM tracks WHERE file_path = ? AND video_id <> ?", arguments: [relative, videoId])
        }) ?? false
    }

    private func withdraw(_ adoption: Adoption) {
        for file in adoption.files { placement.withdraw(file.origin, placedAt: file.target) }
    }

    /// A track this job created in an earlier attempt for this very file: true, after finishing
    /// its move when the attempt stopped before releasing the originals.
    private func finishEarlierAdoption(of track: KnownTrack, file: String, folder: ImportScan.Folder, thumbnails: [String: String]) -> Bool {
        guard let media = importer.paths.absolute(track.filePath) else { return false }
        if !run.move { return LibraryPaths.realPath(media) == LibraryPaths.realPath(file) }
        guard ImportPlacement.holdsSameData(file, media) else { return false }
        let stem = VideoIdentity.stem(of: (file as NSString).lastPathComponent)
        var files = [(file, media)]
        if let info = folder.sidecars[stem], let target = track.infoPath.flatMap(importer.paths.absolute) {
            files.append((folder.path + "/" + info, target))
        }
        if let thumbnail = thumbnails[stem], let target = track.thumbnailPath.flatMap(importer.paths.absolute) {
            files.append((folder.path + "/" + thumbnail, target))
        }
        for (origin, target) in files { placement.release(origin, placedAt: target) }
        return true
    }

    // MARK: - What Spool knows

    /// Counts a file some track already has: adopted when this job made that track in an
    /// earlier attempt (before a crash or restart), else already known.
    private func countKnown(_ track: KnownTrack, display: String) {
        guard track.createdAt >= run.since else {
            report.alreadyKnown += 1
            return
        }
        report.adopted += 1
        if track.sourceId == nil { report.adoptedWithoutSource += 1 }
        adoptedFiles[track.videoId] = display
    }

    /// In place: the files of `folder` that are some track's media file, by name.
    private func trackedFiles(in folder: ImportScan.Folder) throws -> [String: KnownTrack] {
        guard !run.move, !folder.files.isEmpty else { return [:] }
        let prefix = relativePath(folder.path + "/x").dropLast()
        var found: [String: KnownTrack] = [:]
        for chunk in Self.chunks(folder.files.map { prefix + $0 }) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            let rows = try importer.database.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT video_id, source_id, file_path, thumbnail_path, info_path, created_at FROM tracks WHERE file_path IN (\(marks))
                    """, arguments: StatementArguments(chunk))
            }
            for row in rows {
                let track = KnownTrack(row: row)
                found[String(track.filePath.dropFirst(prefix.count))] = track
            }
        }
        return found
    }

    struct KnownTrack {
        let videoId: String
        let sourceId: Int64?
        let filePath: String
        let thumbnailPath: String?
        let infoPath: String?
        let createdAt: Date

        init(row: Row) {
            videoId = row["video_id"]
            sourceId = row["source_id"]
            filePath = row["file_path"]
            thumbnailPath = row["thumbnail_path"]
            infoPath = row["info_path"]
            createdAt = Date(timeIntervalSince1970: row["created_at"])
        }
    }

    /// Tracks of `ids` (in the trash too), and the ids Spool knows otherwise: tombstones and
    /// downloads queued or running.
    private func knownVideos(_ ids: [String]) throws -> (tracks: [String: KnownTrack], others: Set<String>) {
        var tracks: [String: KnownTrack] = [:]
        var others = Set<String>()
        for chunk in Self.chunks(ids) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            try importer.database.read { db in
                for row in try Row.fetchAll(db, sql: """
                    SELECT video_id, source_id, file_path, thumbnail_path, info_path, created_at FROM tracks WHERE video_id IN (\(marks))
                    """, arguments: StatementArguments(chunk)) {
                    tracks[row["video_id"]] = KnownTrack(row: row)
                }
                others.formUnion(try String.fetchAll(db, sql: """
                    SELECT video_id FROM tombstones WHERE video_id IN (\(marks))
                    UNION SELECT video_id FROM jobs WHERE kind = '\(JobKind.download.rawValue)' AND status IN \(JobStatus.active.sql)
                      AND video_id IN (\(marks))
                    """, arguments: StatementArguments(chunk + chunk)))
            }
        }
        return (tracks, others)
    }

    /// Of `ids`, those a source listed or a track or tombstone holds.
    private func knownIds(_ ids: [String]) throws -> Set<String> {
        var known = Set<String>()
        for chunk in Self.chunks(ids) {
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            known.formUnion(try importer.database.read { db in
                try String.fetchAll(db, sql: """
                    SELECT video_id FROM source_entries WHERE video_id IN (\(marks))
                    UNION SELECT video_id FROM tracks WHERE video_id IN (\(marks))
                    UNION SELECT video_id FROM tombstones WHERE video_id IN (\(marks))
                    """, arguments: StatementArguments(chunk + chunk + chunk))
            })
        }
        return known
    }

    private static func chunks(_ ids: [String]) -> [[String]] {
        stride(from: 0, to: ids.count, by: 300).map { Array(ids[$0..<min($0 + 300, ids.count)]) }
    }

    // MARK: - Progress, report, end

    private func tick() {
        run.touch()
        guard let found = report.filesFound, found > 0 else { return }
        let done = min(report.filesExamined, found)
        let elapsed = Date().timeIntervalSince(started)
        let eta = done > 0 ? Int((elapsed / Double(done) * Double(found - done)).rounded()) : nil
        run.progress(Double(done) * 100 / Double(found), eta)
    }

    func saveReport() throws {
        let snapshot = report
        try importer.database.write { db in try ImportReportStore.save(snapshot, jobId: run.jobId, db) }
        lastSave = Date()
    }

    private func saveReportIfDue() throws {
        if Date().timeIntervalSince(lastSave) >= importer.reportInterval { try saveReport() }
    }

    /// Commits what was examined, then says the run stopped.
    func stopped() -> JobFailure {
        do {
            try flush()
            try saveReport()
        } catch {
            importer.logger.warning("Could not save a stopped import's last batch", metadata: ["job": "\(run.jobId)", "error": "\(error)"])
        }
        return JobFailure(.cancelled, "Stopped after \(report.filesExamined) of \(report.filesFound ?? 0) files; run the import again to go on")
    }

    /// Removes the folders a move emptied, deepest first; never the imported folder itself.
    func removeEmptyFolders(_ folders: [String], root: String) {
        for folder in folders.reversed() where folder != root {
            LibraryPaths.removeEmptyFolder(folder)
        }
    }

    private func display(_ folder: String, _ name: String) -> String {
        let path = folder + "/" + name
        return path.hasPrefix(run.folder + "/") ? String(path.dropFirst(run.folder.count + 1)) : path
    }

    /// A title from a file name: the stem without its `[id]` and the id itself.
    static func title(fromStem stem: String, id: String) -> String {
        var text = stem
        if text.hasSuffix("[\(id)]") { text.removeLast(id.count + 2) }
        text = text.trimmingCharacters(in: .whitespaces)
        return text.isEmpty || text == id ? id : text
    }

    static func nonEmpty(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// A tag's date: `2024-01-02`, `2024-01-02T…`, `20240102` or `2024`.
    static func date(_ text: String) -> Date? {
        let digits = text.prefix(10).filter(\.isNumber)
        switch digits.count {
        case 8: return ImportSidecar.date(yyyymmdd: String(digits))
        case 4: return ImportSidecar.date(yyyymmdd: String(digits) + "0101")
        default: return nil
        }
    }
}

