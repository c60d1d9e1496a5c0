import Foundation
import SpoolCore
import SpoolHTTP

/// Adopting an existing library: `POST /api/library/import {"path": "/srv/music/old", "move": false}`
/// checks the folder (absolute, an existing readable folder, not the library's `.partial` or
/// `.trash`; in place only inside `LIBRARY_DIR`) and answers 202 with the queued
/// `library_import` job. Its progress is the job's (`job.progress` on the live feed); its report
/// is in `GET /api/jobs/{id}`. The same import again answers 200 with the job already queued or
/// running; while another folder's import runs, 409 names it.
struct LibraryImportRoutes: RouteCollection {
    let imports: ImportService

    func register(on routes: inout Routes) {
        routes.post("/api/library/import", .admin) { request in
            let body = try request.decodeJSON(ImportRequest.self)
            let (job, created) = try imports.start(path: body.path, move: body.move ?? false)
            return .json(JobRepresentation(job), status: created ? 202 : 200)
        }
    }

    private struct ImportRequest: Decodable {
        let path: String
        let move: Bool?
    }
}
