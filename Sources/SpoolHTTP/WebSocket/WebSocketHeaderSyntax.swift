/// The bits of HTTP header syntax the handshake needs.
///
/// Namespaced rather than added as `String` extensions so they cannot clash with helpers the
/// rest of SpoolHTTP defines in the same module.
enum WebSocketHeaderSyntax {
    /// Trims the whitespace HTTP allows around header values and list elements (spaces, tabs).
    static func trimmingWhitespace(_ value: some StringProtocol) -> String {
        let isWhitespace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = value.firstIndex(where: { !isWhitespace($0) }),
              let last = value.lastIndex(where: { !isWhitespace($0) })
        else { return "" }
        return String(value[first...last])
    }

    /// Whether a comma-separated header value contains `token` (lowercase), ignoring case.
    static func tokenList(_ value: String, contains token: String) -> Bool {
        value.split(separator: ",").contains { trimmingWhitespace($0).lowercased() == token }
    }
}
