import SpoolCore
import SpoolHTTP

/// `POST /api/ytdlp/update`: updates yt-dlp now (the health page's button). The update runs
/// in the background (pip may take a minute); its outcome arrives as a `ytdlp.update` event
/// and in `/api/health`. 202 when it started, 200 with `"already_running": true` when one runs.
struct YtDlpRoutes: RouteCollection {
    let domain: Domain

    func register(on routes: inout Routes) {
        routes.post("/api/ytdlp/update", .admin) { _ in
            let started = domain.updateYtDlp()
            return .json(Reply(started: started, alreadyRunning: !started, ytdlp: YtDlpRepresentation(domain.ytdlp.status)),
                         status: started ? 202 : 200)
        }
    }

    struct Reply: Encodable {
        let started: Bool
        let alreadyRunning: Bool
        let ytdlp: YtDlpRepresentation
    }
}
