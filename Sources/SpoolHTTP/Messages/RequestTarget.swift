import CLibEvent
import Foundation

/// The path and query of an origin-form request target (`/api/tracks?limit=5`), decoded the way
/// handlers see them. Parsed from the framer's head, so the decisions taken before the body is
/// read and the handler that runs afterwards see the same path.
struct RequestTarget {
    /// Percent-decoded, e.g. `/api/jobs/12`.
    let path: String
    /// Decoded query parameters; the last value wins for a repeated name.
    let query: [String: String]
    /// The query as sent (still percent-encoded, without `?`); nil when the target has none.
    let rawQuery: String?

    /// Nil when the path decodes to an embedded NUL or to invalid UTF-8.
    init?(_ target: String) {
        // Split on the bytes: `String.split` walks grapheme clusters, several times slower.
        let mark = target.utf8.firstIndex(of: UInt8(ascii: "?"))
        guard let path = Self.decodePath(String(target[..<(mark ?? target.endIndex)])) else { return nil }
        self.path = path
        var query: [String: String] = [:]
        rawQuery = mark.map { String(target[target.utf8.index(after: $0)...]) }
        if let mark {
            var pairs = evkeyvalq()
            if evhttp_parse_query_str(String(target[target.utf8.index(after: mark)...]), &pairs) == 0 {
                var node = pairs.tqh_first
                while let entry = node {
                    if let key = entry.pointee.key, let value = entry.pointee.value {
                        query[String(cString: key)] = String(cString: value)
                    }
                    node = entry.pointee.next.tqe_next
                }
            }
            evhttp_clear_headers(&pairs)
        }
        self.query = query
    }

    private static func decodePath(_ raw: String) -> String? {
        guard !raw.isEmpty else { return "/" }
        var size = 0
        guard let decoded = evhttp_uridecode(raw, 0, &size) else { return nil }
        defer { free(decoded) }
        let bytes = UnsafeRawBufferPointer(start: decoded, count: size)
        guard !bytes.contains(0) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
