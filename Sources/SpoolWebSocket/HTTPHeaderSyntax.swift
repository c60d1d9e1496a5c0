/// The bits of HTTP header syntax (RFC 9110 §5.6) the handshake needs.
///
/// Public because the HTTP layer, which depends on this codec, reads the same syntax in
/// `Origin` and `Host` values: one owner for "what counts as whitespace in a header".
public enum HTTPHeaderSyntax {
    /// Trims the optional whitespace HTTP allows around header values and list elements
    /// (spaces and tabs only, not Unicode whitespace).
    public static func trimmingWhitespace(_ value: some StringProtocol) -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isWhitespace($0) }),
              let last = value.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(value[first...last])
    }

    /// Whether a comma-separated header value contains `token` (lowercase), ignoring case.
    public static func tokenList(_ value: String, contains token: String) -> Bool {
        value.split(separator: ",").contains { trimmingWhitespace($0).lowercased() == token }
    }
}
