import SpoolWebSocket

/// The `host[:port]` of a `Host` header or an origin: `name`, `name:port`, `[v6]` or `[v6]:port`.
/// One parser for both, so the origin check and the host check cannot read a value differently.
struct Authority: Equatable {
    /// Lowercased; IPv6 addresses keep their brackets.
    let host: String
    let port: Int?

    init?(_ text: some StringProtocol) {
        let value = HTTPHeaderSyntax.trimmingWhitespace(text).lowercased()
        let hostPart: Substring
        let portPart: Substring?
        if value.hasPrefix("[") {
            guard let close = value.firstIndex(of: "]") else { return nil }
            hostPart = value[...close]
            let after = value[value.index(after: close)...]
            if after.isEmpty {
                portPart = nil
            } else if after.hasPrefix(":") {
                portPart = after.dropFirst()
            } else {
                return nil
            }
        } else if let colon = value.lastIndex(of: ":") {
            hostPart = value[..<colon]
            portPart = value[value.index(after: colon)...]
        } else {
            hostPart = value[...]
            portPart = nil
        }
        guard !hostPart.isEmpty else { return nil }
        if let portPart {
            guard !portPart.isEmpty, portPart.allSatisfy(\.isASCII), portPart.allSatisfy(\.isNumber),
                  let port = Int(portPart), (1...65535).contains(port) else { return nil }
            self.port = port
        } else {
            self.port = nil
        }
        self.host = String(hostPart)
    }
}
