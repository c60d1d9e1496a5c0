import Foundation

/// A value that can stand in an attribute or a JSON member: text, a number, a boolean or a date.
protocol SubsonicScalar {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool)
    func writeJSON(into bytes: inout [UInt8])
}

extension String: SubsonicScalar {
    /// Escapes `&`, `<`, `>` and (in attributes) `"`; writes tab, line feed and carriage
    /// return in attributes as character references so they survive attribute-value
    /// normalization; and drops what XML 1.0 cannot carry at all (C0 controls other than those
    /// three, U+FFFE and U+FFFF), since one such character makes the whole answer unreadable to
    /// every XML parser. Titles from YouTube do contain them.
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) {
        let utf8 = Array(self.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: Array("&amp;".utf8))
            case UInt8(ascii: "<"): bytes.append(contentsOf: Array("&lt;".utf8))
            case UInt8(ascii: ">"): bytes.append(contentsOf: Array("&gt;".utf8))
            case UInt8(ascii: "\"") where inAttribute: bytes.append(contentsOf: Array("&quot;".utf8))
            case 0x09 where inAttribute: bytes.append(contentsOf: Array("&#9;".utf8))
            case 0x0A where inAttribute: bytes.append(contentsOf: Array("&#10;".utf8))
            case 0x0D: bytes.append(contentsOf: Array("&#13;".utf8))
            case 0x09, 0x0A: bytes.append(byte)
            case 0x00...0x1F: break
            case 0xEF where index + 2 < utf8.count && utf8[index + 1] == 0xBF && (utf8[index + 2] == 0xBE || utf8[index + 2] == 0xBF):
                index += 2
            default: bytes.append(byte)
            }
            index += 1
        }
    }

    /// RFC 8259 string escaping, plus `<`, `>`, `&`, U+2028 and U+2029 as `\u` escapes (as Go's
    /// encoder does), so the same bytes are also safe inside a JSONP script.
    func writeJSON(into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        let utf8 = Array(self.utf8)
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x00...0x1F, UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "&"):
                appendUnicodeEscape(UInt16(byte), into: &bytes)
            case 0xE2 where index + 2 < utf8.count && utf8[index + 1] == 0x80 && (utf8[index + 2] == 0xA8 || utf8[index + 2] == 0xA9):
                appendUnicodeEscape(utf8[index + 2] == 0xA8 ? 0x2028 : 0x2029, into: &bytes)
                index += 2
            default: bytes.append(byte)
            }
            index += 1
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

private func appendUnicodeEscape(_ code: UInt16, into bytes: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                              hex[Int(code >> 12 & 0xF)], hex[Int(code >> 8 & 0xF)],
                              hex[Int(code >> 4 & 0xF)], hex[Int(code & 0xF)]])
}

extension Int: SubsonicScalar {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { bytes.append(contentsOf: String(self).utf8) }
    func writeJSON(into bytes: inout [UInt8]) { bytes.append(contentsOf: String(self).utf8) }
}

extension Int64: SubsonicScalar {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { bytes.append(contentsOf: String(self).utf8) }
    func writeJSON(into bytes: inout [UInt8]) { bytes.append(contentsOf: String(self).utf8) }
}

extension Bool: SubsonicScalar {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { bytes.append(contentsOf: (self ? "true" : "false").utf8) }
    func writeJSON(into bytes: inout [UInt8]) { bytes.append(contentsOf: (self ? "true" : "false").utf8) }
}

extension Double: SubsonicScalar {
    /// Shortest round-trip decimal (`4.5`, `-8.1`, `5.0`), which is both an `xs:double` and a
    /// JSON number; NaN and infinities, which neither form can carry, are written as 0.
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { bytes.append(contentsOf: text.utf8) }
    func writeJSON(into bytes: inout [UInt8]) { bytes.append(contentsOf: text.utf8) }
    private var text: String { isFinite ? String(self) : "0" }
}

extension Date: SubsonicScalar {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { SubsonicDateFormat.appendISO8601(self, to: &bytes) }
    func writeJSON(into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        SubsonicDateFormat.appendISO8601(self, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }
}
