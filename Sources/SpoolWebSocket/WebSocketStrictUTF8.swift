/// Strict UTF-8 decoding for text messages and close reasons.
///
/// RFC 6455 requires failing the connection on invalid UTF-8, so lossy decoding
/// (`String(decoding:as:)` alone, or Foundation's lenient `String(data:encoding:)`) would accept
/// what must be refused. The standard library's forward parser rejects overlong forms, UTF-16
/// surrogates, code points above U+10FFFF and truncated sequences. `String(validating:as:)`
/// does the same but needs macOS 15, and the package still declares macOS 14.
enum WebSocketStrictUTF8 {
    /// Returns the string `bytes` encode, or nil if they are not well-formed UTF-8.
    static func decode(_ bytes: [UInt8]) -> String? {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return String(decoding: bytes, as: UTF8.self)
            case .error: return nil
            }
        }
    }
}
