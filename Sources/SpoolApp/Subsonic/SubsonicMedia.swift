import Foundation
import Logging
import SpoolCore
import SpoolHTTP
import SpoolSubsonic

/// The Subsonic calls that answer with bytes: `stream` (the file with Range, or converted by
/// ffmpeg while it is sent), `download` (the file as stored) and `getCoverArt` (a square JPEG
/// near the asked size). Failures still come back as envelopes, thrown as `SubsonicError`.
struct SubsonicMedia {
    let domain: Domain
    let logger: Logger

    /// How long `stream` waits for ffmpeg's first bytes before it sends the headers anyway.
    static let firstBytesWait: Duration = .seconds(20)

    /// The file or its conversion, and the song it is (for "now playing").
    func stream(_ parameters: StreamParameters, for user: Principal, request: HTTPRequest) throws -> (HTTPResponse, LibraryTrack) {
        let (song, path) = try file(of: parameters.id, for: user)
        guard let plan = try domain.transcoding.plan(for: song.track, format: parameters.format, maxBitRate: parameters.maxBitRate) else {
            return (try serveFile(path, contentType: song.track.mimeType, request: request), song)
        }
        let body = HTTPBodyStream()
        let run = try domain.transcoding.start(
            song.track, path: path, plan: plan, offsetSeconds: parameters.timeOffsetSeconds,
            output: { bytes in body.write(bytes) }, finished: { body.finish() })
        // The client leaving (or the server stopping) stops ffmpeg.
        body.onCancel { run.cancel() }
        if case .failed(let reason) = run.waitForOutput(timeout: Self.firstBytesWait) {
            logger.warning("A conversion failed before its first bytes", metadata: ["track": "\(song.id)", "reason": "\(reason)"])
            throw SubsonicError(.generic, "Spool could not convert this track to \(plan.format.name): \(reason)")
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", plan.format.contentType)
        headers.add("Cache-Control", "no-store")
        // A converted stream has no byte positions to seek to; players seek with timeOffset.
        headers.add("Accept-Ranges", "none")
        return (HTTPResponse(status: 200, headers: headers, body: .stream(body)), song)
    }

    func download(_ id: String, for user: Principal, request: HTTPRequest) throws -> HTTPResponse {
        let (song, path) = try file(of: id, for: user)
        var response = try serveFile(path, contentType: song.track.mimeType, request: request)
        let suffix = SubsonicRepresentation.suffix(of: song.track)
        let name = song.track.title.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0 != "\"" && $0 != "\\" && $0 != "/" }
        let ascii = String(String.UnicodeScalarView(name)).trimmingCharacters(in: .whitespaces)
        let utf8 = song.track.title.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "track"
        response.headers.add("Content-Disposition",
                             "attachment; filename=\"\(ascii.isEmpty ? "track" : ascii).\(suffix)\"; filename*=UTF-8''\(utf8).\(suffix)")
        return response
    }

    func coverArt(_ parameters: CoverArtParameters, for user: Principal, request: HTTPRequest) throws -> HTTPResponse {
        let path: String?
        switch SubsonicID(parameters.id) {
        case .song(let id)?:
            guard try domain.music.song(id, for: user.userId) != nil else { throw SubsonicError.notFound("Song 'tr-\(id)'") }
            path = try domain.artwork.artwork(ofTrack: id, side: parameters.size)
        case .album(let id)?, .artist(let id)?, .sourcePlaylist(let id)?:
            guard id > 0, try domain.music.album(id, for: user.userId) != nil else { throw SubsonicError.notFound("'\(parameters.id)'") }
            path = try domain.artwork.artwork(ofSource: id, side: parameters.size)
        default:
            throw SubsonicError.notFound("Cover art '\(SubsonicID.excerpt(parameters.id))'")
        }
        guard let path, let file = FileResponder.open(path) else { throw SubsonicError.notFound("Artwork of '\(parameters.id)'") }
        return FileResponder.respond(with: file, to: request, contentType: "image/jpeg", cacheControl: "private, max-age=86400")
    }

    /// A song the user may see and the real path of its file inside the library.
    private func file(of text: String, for user: Principal) throws -> (LibraryTrack, String) {
        let id = try SubsonicID.song(text)
        guard let song = try domain.music.song(id, for: user.userId) else { throw SubsonicError.notFound("Song 'tr-\(id)'") }
        let paths = domain.files.paths
        guard let path = paths.absolute(song.track.filePath), let real = LibraryPaths.resolved(path, inside: paths.root) else {
            throw SubsonicError.notFound("The file of song 'tr-\(id)'")
        }
        return (song, real)
    }

    /// The file with Range, ETag and sendfile, as `/media` serves it.
    private func serveFile(_ path: String, contentType: String, request: HTTPRequest) throws -> HTTPResponse {
        guard let file = FileResponder.open(path) else { throw SubsonicError.notFound("The file") }
        return FileResponder.respond(with: file, to: request, contentType: contentType, cacheControl: "private, max-age=0, must-revalidate")
    }
}
