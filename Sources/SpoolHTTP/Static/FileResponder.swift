import Foundation

/// Answers with a whole regular file: content type, a validator `ETag` (size and modification
/// time), `If-None-Match` → 304, and a sendfile body. Runs on the work queue.
public enum FileResponder {
    /// An open regular file and what the headers need from it.
    public struct OpenFile: Sendable {
        public let descriptor: Int32
        public let size: Int64
        public let etag: String
        public let lastModified: Date
    }

    /// Opens `path` read-only if it is a regular file; `nil` otherwise.
    public static func open(_ path: String) -> OpenFile? {
        let descriptor = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        var info = stat()
        guard fstat(descriptor, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            return nil
        }
        let modifiedNanoseconds = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        let etag = "\"\(String(info.st_size, radix: 16))-\(String(modifiedNanoseconds, radix: 16))\""
        return OpenFile(
            descriptor: descriptor, size: Int64(info.st_size), etag: etag,
            lastModified: Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec)))
    }

    /// The response for a file: 304 when the client's copy is current, 206 for a satisfiable
    /// `Range` (the first range when several are asked; ignored when `If-Range` names another
    /// version or the header is malformed), 416 when no byte of the range exists, else 200.
    public static func respond(with file: OpenFile, to request: HTTPRequest, contentType: String, cacheControl: String = "no-cache") -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("ETag", file.etag)
        headers.add("Cache-Control", cacheControl)
        headers.add("Accept-Ranges", "bytes")
        if let candidates = request.headers["If-None-Match"], matches(candidates, file.etag) {
            close(file.descriptor)
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", contentType)
        let rangeApplies = request.headers["If-Range"].map { $0.trimmingCharacters(in: .whitespaces) == file.etag } ?? true
        if rangeApplies, let header = request.headers["Range"], let range = ByteRange(header: header) {
            guard let (start, end) = range.resolve(size: file.size) else {
                close(file.descriptor)
                var refusal = HTTPError(status: 416, code: "range_not_satisfiable",
                                        message: "The range \(header) is outside the file's \(file.size) bytes.").response
                refusal.headers.add("Content-Range", "bytes */\(file.size)")
                return refusal
            }
            headers.add("Content-Range", "bytes \(start)-\(end)/\(file.size)")
            return HTTPResponse(status: 206, headers: headers, body: .file(descriptor: file.descriptor, offset: start, length: end - start + 1))
        }
        return HTTPResponse(status: 200, headers: headers, body: .file(descriptor: file.descriptor, offset: 0, length: file.size))
    }

    /// `If-None-Match` may list several tags, or `*`.
    static func matches(_ candidates: String, _ etag: String) -> Bool {
        candidates.split(separator: ",").contains { candidate in
            let trimmed = candidate.trimmingCharacters(in: .whitespaces)
            return trimmed == "*" || trimmed == etag || trimmed == "W/" + etag
        }
    }
}
