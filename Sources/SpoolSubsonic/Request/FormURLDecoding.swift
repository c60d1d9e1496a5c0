/// Decodes `application/x-www-form-urlencoded` text, the syntax of both a URL's query string and
/// a Subsonic form POST (OpenSubsonic's `formPost` extension): `&`-separated `name=value` pairs,
/// `+` for a space, `%XX` for any byte, UTF-8 underneath.
///
/// It works on the raw bytes rather than on a dictionary someone else decoded, because Subsonic
/// repeats names (`id=1&id=2`, `songId=…` per song) and a dictionary keeps only one of them.
enum FormURLDecoding {
    /// The pairs in order. A pair without `=` has an empty value (`submission` alone is
    /// `submission=`); pairs with an empty name are skipped. A `%` not followed by two hex
    /// digits, or bytes that are not UTF-8 once decoded, fail the whole call with code 0, since a
    /// guessed id would act on the wrong track.
    static func pairs(
        _ bytes: some Collection<UInt8>, source: String, limit: Int, into result: inout [(String, String)]
    ) throws(SubsonicError) {
        var start = bytes.startIndex
        while start != bytes.endIndex {
            let end = bytes[start...].firstIndex(of: ampersand) ?? bytes.endIndex
            let piece = bytes[start..<end]
            start = end == bytes.endIndex ? end : bytes.index(after: end)
            if piece.isEmpty { continue }
            let equals = piece.firstIndex(of: equalsSign)
            let rawName = piece[piece.startIndex..<(equals ?? piece.endIndex)]
            let rawValue = equals.map { piece[piece.index(after: $0)...] } ?? piece[piece.endIndex...]
            let name = try decode(rawName, source: source)
            if name.isEmpty { continue }
            guard result.count < limit else {
                throw SubsonicError(.generic, "Too many parameters in the \(source) (at most \(limit)).")
            }
            result.append((name, try decode(rawValue, source: source)))
        }
    }

    private static let ampersand = UInt8(ascii: "&")
    private static let equalsSign = UInt8(ascii: "=")
    private static let plus = UInt8(ascii: "+")
    private static let percent = UInt8(ascii: "%")

    private static func decode(_ raw: some Collection<UInt8>, source: String) throws(SubsonicError) -> String {
        // Fast path: nothing to decode (most ids, numbers and flags).
        if !raw.contains(where: { $0 == percent || $0 == plus }) {
            return try utf8(Array(raw), source: source)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var index = raw.startIndex
        while index != raw.endIndex {
            let byte = raw[index]
            if byte == plus {
                bytes.append(UInt8(ascii: " "))
            } else if byte == percent {
                let high = raw.index(after: index)
                guard high != raw.endIndex, raw.index(after: high) != raw.endIndex,
                      let h = hexValue(raw[high]), let l = hexValue(raw[raw.index(after: high)]) else {
                    throw SubsonicError(.generic, "Malformed percent-encoding in the \(source).")
                }
                bytes.append(h << 4 | l)
                index = raw.index(after: high)
            } else {
                bytes.append(byte)
            }
            index = raw.index(after: index)
        }
        return try utf8(bytes, source: source)
    }

    private static func utf8(_ bytes: [UInt8], source: String) throws(SubsonicError) -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SubsonicError(.generic, "The \(source) is not valid UTF-8 once decoded.")
        }
        return text
    }

    /// The value of one ASCII hex digit, either case.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
