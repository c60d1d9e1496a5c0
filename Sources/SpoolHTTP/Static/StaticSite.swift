import Foundation

/// Serves the single-page app from one folder: files at their path, and `index.html` for the
/// app's deep links (`/jobs`, `/likes_player/0`, …) so a reload or a shared link works.
///
/// Never serves anything outside the folder: `..` segments (raw or percent-encoded) are
/// refused, and the resolved real path (symlinks followed) must stay inside the root.
public struct StaticSite: Sendable {
    /// The real path of the folder, without a trailing slash.
    public let root: String
    /// Path prefixes that are never deep links (a miss there is a 404, not the app).
    public let reservedPrefixes: [String]

    public init(root: String, reservedPrefixes: [String] = ["/api/", "/media/", "/ws", "/metrics"]) {
        let url = URL(fileURLWithPath: root).standardizedFileURL.path
        self.root = Self.realPath(url) ?? url
        self.reservedPrefixes = reservedPrefixes
    }

    /// The fallback handler for GET and HEAD requests no route matched.
    public func respond(to request: HTTPRequest) throws -> HTTPResponse {
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: true)
        if segments.contains(where: { $0 == ".." || $0 == "." || $0.contains("\\") }) {
            throw HTTPError.notFound("No file at \(request.path).")
        }
        if let file = resolve(segments), let open = FileResponder.open(file) {
            return FileResponder.respond(with: open, to: request, contentType: StaticFileTypes.contentType(forFileName: file))
        }
        if reservedPrefixes.contains(where: { request.path.hasPrefix($0) }) {
            throw HTTPError.notFound("No route for \(request.method.rawValue) \(request.path).")
        }
        guard isDeepLink(request.path, lastSegment: segments.last), let index = FileResponder.open(root + "/index.html") else {
            throw HTTPError.notFound("No file at \(request.path).")
        }
        return FileResponder.respond(with: index, to: request, contentType: "text/html; charset=utf-8")
    }

    /// The real path of a file inside the root, or `nil` when it is missing or escapes the root.
    func resolve(_ segments: [Substring]) -> String? {
        let candidate = segments.isEmpty ? root + "/index.html" : root + "/" + segments.joined(separator: "/")
        guard let real = Self.realPath(candidate), real.hasPrefix(root + "/") else { return nil }
        var info = stat()
        guard stat(real, &info) == 0 else { return nil }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            return resolve(segments + ["index.html"])
        }
        return real
    }

    private func isDeepLink(_ path: String, lastSegment: Substring?) -> Bool {
        guard !reservedPrefixes.contains(where: { path.hasPrefix($0) || path == String($0.dropLast()) }) else { return false }
        // A missing asset (`/app/missing.js`) is a 404; a path without an extension is a page.
        return !(lastSegment?.contains(".") ?? false)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
