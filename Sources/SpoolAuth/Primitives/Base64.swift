/// Base64 without padding in the two alphabets SpoolAuth writes (RFC 4648):
/// - `.standard` (`+/`): the salt and hash fields of PHC strings ("B64" in the PHC string format);
/// - `.url` (`-_`): session ids and API keys, which travel in cookies, headers and query strings
///   (`?apiKey=`) and so must need no percent-encoding.
///
/// Decoding is strict: no padding, no whitespace, no bits set beyond the last byte, so that one
/// byte string has exactly one text form and a stored hash cannot be altered without notice.
public enum Base64 {
    public enum Alphabet: Sendable {
        case standard, url

        fileprivate var characters: [UInt8] {
            switch self {
            case .standard: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
            case .url: Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
            }
        }
    }

    /// The length of the unpadded text of `byteCount` bytes (32 bytes → 43 characters).
    public static func encodedLength(of byteCount: Int) -> Int {
        (byteCount * 8 + 5) / 6
    }

    public static func encode(_ bytes: [UInt8], alphabet: Alphabet) -> String {
        let table = alphabet.characters
        var text = [UInt8]()
        text.reserveCapacity(encodedLength(of: bytes.count))
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            text.append(table[Int(group >> 18 & 63)])
            text.append(table[Int(group >> 12 & 63)])
            text.append(table[Int(group >> 6 & 63)])
            text.append(table[Int(group & 63)])
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            text.append(table[Int(group >> 18 & 63)])
            text.append(table[Int(group >> 12 & 63)])
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            text.append(table[Int(group >> 18 & 63)])
            text.append(table[Int(group >> 12 & 63)])
            text.append(table[Int(group >> 6 & 63)])
        default:
            break
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of unpadded `text`, or nil when it is not the canonical encoding of any bytes.
    public static func decode(_ text: some StringProtocol, alphabet: Alphabet) -> [UInt8]? {
        let characters = Array(text.utf8)
        guard characters.count % 4 != 1 else { return nil }
        var values = [UInt8]()
        values.reserveCapacity(characters.count)
        for character in characters {
            guard let value = sextet(of: character, alphabet: alphabet) else { return nil }
            values.append(value)
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(characters.count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for value in values {
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Left-over bits must be zero: otherwise two texts would decode to the same bytes.
        guard accumulator & ((1 << UInt32(bits)) - 1) == 0 else { return nil }
        return bytes
    }

    private static func sextet(of character: UInt8, alphabet: Alphabet) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where alphabet == .standard, UInt8(ascii: "-") where alphabet == .url: 62
        case UInt8(ascii: "/") where alphabet == .standard, UInt8(ascii: "_") where alphabet == .url: 63
        default: nil
        }
    }
}
