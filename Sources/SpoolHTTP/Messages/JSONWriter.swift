import Foundation

/// A value that writes its own JSON, byte for byte what `JSONCoding.encoder` would write
/// (snake_case keys in sorted order, ISO 8601 dates in whole seconds, `null` for absent values,
/// slashes unescaped): `HTTPResponse.json` takes this path when a reply conforms.
///
/// Why: a list reply of 100 jobs spent ~73 % of the server's CPU in Foundation's
/// `JSONEncoder` (issue 19's profile), 23 % of it converting camelCase keys to snake_case for
/// every key of every row and 8 % formatting dates through a date formatter. The hot
/// representations (tracks, jobs and their pages) write fixed keys and format dates with
/// integer arithmetic instead; `JSONWriterTests` checks each against `JSONEncoder` output.
public protocol JSONWritable {
    func write(to writer: inout JSONWriter)
}

/// Appends JSON to a byte buffer: objects and arrays with their commas, keys given already in
/// their wire form, and the scalar forms `JSONEncoder` writes.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the current object or array has a member yet (one entry per open level).
    private var hasMember: [Bool] = []

    public init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    /// `value` as a complete document.
    public static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter()
        value.write(to: &writer)
        return writer.bytes
    }

    // MARK: - Structure

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        hasMember.append(false)
        body(&self)
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func array<Element>(_ elements: some Sequence<Element>, _ body: (inout JSONWriter, Element) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        hasMember.append(false)
        for element in elements { body(&self, element) }
        hasMember.removeLast()
        bytes.append(UInt8(ascii: "]"))
    }

    public mutating func array(_ elements: [some JSONWritable]) {
        array(elements) { writer, element in element.write(to: &writer) }
    }

    /// A member's key; `name` must be JSON-safe already (the representations' fixed names).
    public mutating func key(_ name: StaticString) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        // The value that follows must not add a comma of its own.
        pendingValueAfterKey = true
    }

    /// A member's key given at run time (a dictionary's), escaped like any string.
    public mutating func key(_ name: String) {
        if hasMember[hasMember.count - 1] { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
        pendingValueAfterKey = true
        string(name)
        bytes.append(UInt8(ascii: ":"))
        pendingValueAfterKey = true
    }

    private var pendingValueAfterKey = false

    /// Before a value: a comma when it is not the first element of an array.
    private mutating func separate() {
        if pendingValueAfterKey {
            pendingValueAfterKey = false
            return
        }
        guard let last = hasMember.last else { return }
        if last { bytes.append(UInt8(ascii: ",")) }
        hasMember[hasMember.count - 1] = true
    }

    // MARK: - Scalars

    public mutating func null() {
        separate()
        bytes.append(contentsOf: [110, 117, 108, 108])  // null
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? [116, 114, 117, 101] : [102, 97, 108, 115, 101])
    }

    public mutating func int<Value: BinaryInteger>(_ value: Value) {
        separate()
        appendDecimal(Int64(value))
    }

    /// As `JSONEncoder`: a whole number below 2^53 without a fraction (`200`, `-0`), any other
    /// the shortest form that reads back the same (`0.1`, `1e-07`); not finite as `null`.
    public mutating func double(_ value: Double) {
        separate()
        guard value.isFinite else {
            bytes.append(contentsOf: [110, 117, 108, 108])
            return
        }
        if value.rounded(.towardZero) == value, abs(value) < 9_007_199_254_740_992 {
            if value == 0, value.sign == .minus { bytes.append(UInt8(ascii: "-")) }
            appendDecimal(Int64(value))
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    public mutating func string(_ value: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `2026-12-01T22:15:05Z`: UTC, whole seconds (the fraction is dropped, as the ISO 8601
    /// strategy of `JSONEncoder` drops it), from the days-to-civil algorithm instead of a
    /// formatter.
    public mutating func date(_ value: Date) {
        separate()
        let seconds = Int64(value.timeIntervalSince1970.rounded(.down))
        var days = seconds / 86_400
        var second = seconds % 86_400
        if second < 0 {
            second += 86_400
            days -= 1
        }
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        bytes.append(UInt8(ascii: "\""))
        appendDigits(year, 4)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(month, 2)
        bytes.append(UInt8(ascii: "-"))
        appendDigits(day, 2)
        bytes.append(UInt8(ascii: "T"))
        appendDigits(second / 3600, 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(second / 60 % 60, 2)
        bytes.append(UInt8(ascii: ":"))
        appendDigits(second % 60, 2)
        bytes.append(UInt8(ascii: "Z"))
        bytes.append(UInt8(ascii: "\""))
    }

    // MARK: - Optionals

    public mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    public mutating func int<Value: BinaryInteger>(_ value: Value?) {
        if let value { int(value) } else { null() }
    }

    public mutating func double(_ value: Double?) {
        if let value { double(value) } else { null() }
    }

    public mutating func date(_ value: Date?) {
        if let value { date(value) } else { null() }
    }

    public mutating func value(_ value: (some JSONWritable)?) {
        if let value { value.write(to: &self) } else { null() }
    }

    // MARK: - Digits

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // -Int64.min does not fit; its magnitude as unsigned does.
            appendUnsigned(UInt64(bitPattern: 0 &- value))
        } else {
            appendUnsigned(UInt64(value))
        }
    }

    private mutating func appendUnsigned(_ value: UInt64) {
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(48 + rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `value` with at least `width` digits (zero-padded); for dates.
    private mutating func appendDigits(_ value: Int64, _ width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var value = value
        if value >= divisor * 10 {
            appendUnsigned(UInt64(max(0, value)))
            return
        }
        while divisor > 0 {
            bytes.append(UInt8(48 + (value / divisor) % 10))
            value %= divisor
            divisor /= 10
        }
    }
}
