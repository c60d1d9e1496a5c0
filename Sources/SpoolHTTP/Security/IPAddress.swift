import Foundation

/// An IPv4 or IPv6 address parsed from text with `inet_pton`, which accepts only the
/// canonical forms (dotted quad; RFC 4291 text, brackets allowed around it here).
///
/// Parsing instead of comparing prefixes: `"127.invalid".hasPrefix("127.")` made a host name
/// pass for a loopback address, and `127.1` or `0x7f.0.0.1` are names to `inet_pton`, as they
/// should be for a server that must tell names from addresses.
public struct IPAddress: Sendable, Equatable {
    /// 4 bytes for IPv4, 16 for IPv6, in network order.
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        var literal = String(text)
        if literal.hasPrefix("[") && literal.hasSuffix("]") {
            literal = String(literal.dropFirst().dropLast())
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, literal, &v6) == 1 else { return nil }
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        var v4 = in_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, literal, &v6) == 1 else { return nil }
        bytes = withUnsafeBytes(of: &v6) { Array($0) }
    }

    public var isIPv4: Bool { bytes.count == 4 }

    /// An IPv4 address inside an IPv6 one (`::ffff:a.b.c.d`), else nil.
    public var mappedIPv4: IPAddress? {
        guard bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF else { return nil }
        return IPAddress(bytes: Array(bytes[12...]))
    }

    /// 127.0.0.0/8, ::1, or an IPv4 loopback address mapped into IPv6.
    public var isLoopback: Bool {
        if isIPv4 { return bytes[0] == 127 }
        if let mappedIPv4 { return mappedIPv4.isLoopback }
        return bytes == [UInt8](repeating: 0, count: 15) + [1]
    }

    /// 0.0.0.0 or `::`: "every address of this machine" when listening.
    public var isUnspecified: Bool { bytes.allSatisfy { $0 == 0 } }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }
}
