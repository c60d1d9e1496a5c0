/// The response format a call asked for with `f`.
public enum SubsonicFormat: Sendable, Hashable {
    /// The default when `f` is absent: the Subsonic API began as XML, and clients such as DSub
    /// never send `f`.
    case xml
    case json
    /// JSON wrapped in a call of the given JavaScript function (`f=jsonp&callback=name`).
    case jsonp(callback: String)

    /// The `Content-Type` to send. `application/json` exactly, because aiohttp's `json()` (under
    /// py-opensonic) refuses any other media type; `text/xml` as the original Subsonic server
    /// sent; `application/javascript` for JSONP so a browser runs it.
    public var contentType: String {
        switch self {
        case .xml: "text/xml; charset=utf-8"
        case .json: "application/json; charset=utf-8"
        case .jsonp: "application/javascript; charset=utf-8"
        }
    }

    /// Reads `f` and `callback`. An unknown `f` or a JSONP callback that is not a plain
    /// JavaScript name comes back with a code 0 error beside the format to report it in: XML
    /// for an unknown `f`, plain JSON for a bad callback (so nothing a client sent is ever
    /// echoed as script).
    static func resolve(f: String?, callback: String?) -> (format: SubsonicFormat, error: SubsonicError?) {
        switch f?.lowercased() {
        case nil, "", "xml":
            return (.xml, nil)
        case "json":
            return (.json, nil)
        case "jsonp":
            guard let callback, isJavaScriptName(callback) else {
                return (.json, .invalidParameter("callback", "a JavaScript function name such as 'handle' or 'app.handle' is required with f=jsonp"))
            }
            return (.jsonp(callback: callback), nil)
        case let other?:
            return (.xml, .invalidParameter("f", "expected xml, json or jsonp, got '\(SubsonicParameters.excerpt(other))'"))
        }
    }

    /// `[A-Za-z_$][A-Za-z0-9_$.]*`, at most 128 characters: a dotted JavaScript name and nothing
    /// that could close the call and run other script.
    static func isJavaScriptName(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= 128 else { return false }
        func isLetter(_ b: UInt8) -> Bool {
            (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_") || b == UInt8(ascii: "$")
        }
        guard isLetter(first) else { return false }
        return bytes.dropFirst().allSatisfy { isLetter($0) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: ".") }
    }
}
