import Foundation
import SpoolCore
import SpoolHTTP

/// `GET`/`HEAD /media/{id}` and `/media/{id}/thumbnail`: a track's file with Range, ETag and
/// sendfile. A trashed track or a missing file is a 404. The file is opened before the reply,
/// so a track deleted while it streams keeps streaming (the descriptor survives the rename);
/// the next request gets the 404. A file whose real path (links resolved) lies outside the
/// library is never served: a link planted in the library cannot expose the rest of the disk.
struct MediaRoutes: RouteCollection {
    let library: TrackLibrary
    let paths: LibraryPaths
    let artwork: ArtworkService

    func register(on routes: inout Routes) {
        routes.get("/media/{id}", .listener) { request in try serve(request, thumbnail: false) }
        routes.get("/media/{id}/thumbnail", .listener) { request in try serve(request, thumbnail: true) }
        // Square JPEG artwork: `?size=cover` (at most 1200 px, the default) or `?size=list` (96 px).
        routes.get("/api/tracks/{id}/artwork", .listener) { request in
            let id = try request.idParameter()
            return try image(try artwork.artwork(ofTrack: id, size: try size(request)), request, missing: "Track \(id) has no artwork.")
        }
        routes.get("/api/sources/{id}/artwork", .listener) { request in
            let id = try request.idParameter()
            return try image(try artwork.artwork(ofSource: id, size: try size(request)), request, missing: "Source \(id) has no artwork yet.")
        }
    }

    private func size(_ request: HTTPRequest) throws -> ArtworkService.Size {
        try request.oneOf("size", ArtworkService.Size.self) ?? .cover
    }

    /// Artwork changes only when its track's files do: clients keep it a day and revalidate.
    private func image(_ path: String?, _ request: HTTPRequest, missing: String) throws -> HTTPResponse {
        guard let path, let file = FileResponder.open(path) else { throw DomainError.notFound(missing) }
        return FileResponder.respond(with: file, to: request, contentType: "image/jpeg", cacheControl: "private, max-age=86400")
    }

    private func serve(_ request: HTTPRequest, thumbnail: Bool) throws -> HTTPResponse {
        let id = try request.idParameter()
        guard let item = try library.track(id, for: nil), item.track.deletedAt == nil else {
            throw DomainError.notFound("No playable track with id \(id) (it may be in the trash).")
        }
        let relative = thumbnail ? item.track.thumbnailPath : item.track.filePath
        guard let relative, let path = paths.absolute(relative),
              let real = LibraryPaths.resolved(path, inside: paths.root), let file = FileResponder.open(real) else {
            throw DomainError.notFound(thumbnail ? "Track \(id) has no thumbnail." : "The file of track \(id) is missing.")
        }
        let type = thumbnail ? MediaTypes.contentType(forFileName: relative) : item.track.mimeType
        return FileResponder.respond(with: file, to: request, contentType: type, cacheControl: "private, max-age=0, must-revalidate")
    }
}
