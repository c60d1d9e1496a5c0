import Foundation
import Logging
import SpoolMedia
import SpoolStore

/// The library's files: moving a finished download in, naming it, deleting files. Rows are
/// `TrackStore`'s; the trash is `TrashService`'s. No method here runs inside a transaction.
public struct Library: Sendable {
    public let paths: LibraryPaths
    let logger: Logger

    public init(paths: LibraryPaths, logger: Logger) {
        self.paths = paths
        self.logger = logger
    }

    /// Every file of a track, library-relative: its media, thumbnail and info JSON.
    static func files(of track: Track) -> [String] {
        [track.filePath, track.thumbnailPath, track.infoPath].compactMap { $0 }
    }

    /// Most names tried for one download before giving up: ` (2)` … ` (100)` after the plain
    /// one. A hundred tracks rendering to one name means the template lacks `{id}` or `{title}`.
    static let maximumNameAttempts = 100

    /// Moves a finished download from its `.partial/<job>/` folder into the library under the
    /// name `name` renders (by default `<source>/<title> [<id>].<ext>`), with its thumbnail and
    /// info JSON beside it, one `rename` each, and returns the track row to insert (not
    /// inserted yet).
    ///
    /// A name another track's row holds (`isTaken`) or a file already occupies gets a suffix,
    /// ` (2)`, ` (3)`, …: the media file is moved without replacing anything, so two downloads
    /// racing for a name both keep their files.
    ///
    /// `reportedMedia` is the path yt-dlp printed; it must resolve (links and `..` included)
    /// to a file inside `partialFolder`, or nothing moves. When a move fails halfway, the files
    /// already moved go back, so a failed attempt leaves no file without a row.
    func adoptDownload(
        reportedMedia: String, partialFolder: String, payload: DownloadPayload, sourceId: Int64?,
        name: NameTemplate, values: NameTemplate.Values, tags: TrackTags?, isTaken: (String) -> Bool
    ) throws -> Track {
        guard let media = LibraryPaths.resolved(reportedMedia, inside: partialFolder) else {
            throw DomainError.invalid(field: "file", "yt-dlp reported a file outside its download folder: \(reportedMedia)")
        }
        let mediaURL = URL(fileURLWithPath: media)
        let stem = mediaURL.deletingPathExtension().lastPathComponent
        var values = values
        values.ext = mediaURL.pathExtension
        let mediaRelative = try claimName(for: media, name: name, values: values, isTaken: isTaken)
        let base = (mediaRelative as NSString).deletingPathExtension
        var moves: [(from: String, to: String)] = []
        var thumbnail: String?
        var info: String?
        let names = (try? FileManager.default.contentsOfDirectory(atPath: partialFolder)) ?? []
        for name in names.sorted() where name.hasPrefix(stem + ".") && partialFolder + "/" + name != media {
            let suffix = String(name.dropFirst(stem.count + 1)).lowercased()
            if suffix == "info.json" {
                info = base + ".info.json"
                moves.append((partialFolder + "/" + name, info!))
            } else if ["jpg", "jpeg", "png", "webp"].contains(suffix), thumbnail == nil {
                thumbnail = base + "." + suffix
                moves.append((partialFolder + "/" + name, thumbnail!))
            }
        }
        var done: [(from: String, to: String)] = [(media, paths.absolute(mediaRelative)!)]
        for move in moves {
            do {
                guard let target = paths.absolute(move.to) else {
                    throw FileMoveError(source: move.from, target: move.to, code: EINVAL)
                }
                try LibraryPaths.move(from: move.from, to: target)
                done.append((move.from, target))
            } catch {
                for undo in done.reversed() { _ = rename(undo.to, undo.from) }
                throw error.isReadOnly || error.isDiskFull
                    ? DomainError.unavailable("The library folder cannot take the download: \(error)")
                    : DomainError.unavailable("\(error)")
            }
        }
        let size = Self.fileSize(paths.absolute(mediaRelative) ?? "")
        let duration = payload.duration ?? info.flatMap(paths.absolute).flatMap(Self.duration(fromInfo:))
        var track = Track(
            videoId: payload.videoId, sourceId: sourceId, title: payload.title,
            uploader: payload.channel ?? payload.uploader ?? payload.sourceTitle, duration: duration,
            filePath: mediaRelative, size: size, mimeType: MediaTypes.contentType(forFileName: mediaRelative),
            thumbnailPath: thumbnail, infoPath: info, uploadedAt: payload.uploadedAt.map(Date.init(timeIntervalSince1970:)))
        track.artist = tags?.artist
        track.album = tags?.album
        track.trackNumber = tags?.trackNumber
        return track
    }

    /// Moves the media file to the first free name `name` renders and returns that name.
    private func claimName(for media: String, name: NameTemplate, values: NameTemplate.Values,
                           isTaken: (String) -> Bool) throws -> String {
        for attempt in 1...Self.maximumNameAttempts {
            let relative = name.render(values, suffix: attempt == 1 ? "" : " (\(attempt))")
            guard !isTaken(relative) else { continue }
            guard let target = paths.absolute(relative) else {
                throw DomainError.invalid(field: "file", "Cannot place a download at \(relative)")
            }
            do {
                try LibraryPaths.moveWithoutReplacing(from: media, to: target)
                return relative
            } catch where error.isTaken {
                continue
            } catch {
                throw error.isReadOnly || error.isDiskFull
                    ? DomainError.unavailable("The library folder cannot take the download: \(error)")
                    : DomainError.unavailable("\(error)")
            }
        }
        throw DomainError.conflict("\(Self.maximumNameAttempts) tracks already have the name \(name.render(values)); add {id} to the profile's name template.")
    }

    /// Deletes library files (library-relative paths; anything that would escape is skipped).
    /// Returns how many were removed.
    func deleteFiles(_ relativePaths: [String]) -> Int {
        var removed = 0
        for relative in relativePaths {
            guard let absolute = paths.absolute(relative) else { continue }
            if unlink(absolute) == 0 { removed += 1 }
        }
        return removed
    }

    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_size) : 0
    }

    static func duration(fromInfo path: String) -> Double? {
        guard let data = FileManager.default.contents(atPath: path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return (object["duration"] as? NSNumber)?.doubleValue
    }
}

extension Error {
    fileprivate var isReadOnly: Bool { (self as? FileMoveError)?.isReadOnly ?? false }
    fileprivate var isDiskFull: Bool { (self as? FileMoveError)?.isDiskFull ?? false }
}
