import Foundation

/// The parameters of one Subsonic call: the query string's and the form body's pairs in order,
/// repeated names kept, with typed accessors that fail with the Subsonic error a client expects
/// (code 10 for a missing parameter, code 0 for a value that cannot be used).
public struct SubsonicParameters: Sendable {
    /// Every pair in arrival order: the body's first, then the query's (as Go's `ParseForm`, and
    /// so Navidrome, merge them).
    public let pairs: [(name: String, value: String)]
    public let limits: SubsonicRequestLimits
    private let positions: [String: [Int]]

    public init(pairs: [(name: String, value: String)], limits: SubsonicRequestLimits = .standard) {
        self.pairs = pairs
        self.limits = limits
        var positions: [String: [Int]] = [:]
        for (index, pair) in pairs.enumerated() {
            positions[pair.name, default: []].append(index)
        }
        self.positions = positions
    }

    /// Parses a raw query string (without `?`) and, when the content type is
    /// `application/x-www-form-urlencoded`, a POST body. Any other body is ignored, as Go's
    /// `ParseForm` does. A body over `limits.maxBodyBytes` fails with code 0.
    public init(
        rawQuery: String?, body: [UInt8] = [], contentType: String? = nil,
        limits: SubsonicRequestLimits = .standard
    ) throws(SubsonicError) {
        var collected: [(String, String)] = []
        try Self.collect(rawQuery: rawQuery, body: body, contentType: contentType, limits: limits, into: &collected)
        self.init(pairs: collected.map { (name: $0.0, value: $0.1) }, limits: limits)
    }

    /// The parsing behind `init(rawQuery:…)`, leaving the pairs read before a failure in
    /// `result`, so that a failing call can still answer in the format its `f` asked for.
    static func collect(
        rawQuery: String?, body: [UInt8], contentType: String?, limits: SubsonicRequestLimits,
        into result: inout [(String, String)]
    ) throws(SubsonicError) {
        if !body.isEmpty, isFormContentType(contentType) {
            guard body.count <= limits.maxBodyBytes else {
                throw SubsonicError(.generic, "The request body is larger than \(limits.maxBodyBytes) bytes.")
            }
            try FormURLDecoding.pairs(body, source: "request body", limit: limits.maxParameterCount, into: &result)
        }
        if let rawQuery, !rawQuery.isEmpty {
            try FormURLDecoding.pairs(rawQuery.utf8, source: "query string", limit: limits.maxParameterCount, into: &result)
        }
    }

    static func isFormContentType(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingASCIIWhitespace().lowercased() == "application/x-www-form-urlencoded"
    }

    // MARK: - Raw access

    /// Whether the name occurs at all (even with an empty value).
    public func contains(_ name: String) -> Bool { positions[name] != nil }

    /// The first value of a name, empty or not.
    public func first(_ name: String) -> String? {
        positions[name].map { pairs[$0[0]].value }
    }

    /// All values of a repeated name in order, empty ones included.
    public func all(_ name: String) -> [String] {
        positions[name]?.map { pairs[$0].value } ?? []
    }

    // MARK: - Strings

    /// A parameter that must be present and non-empty (an empty `id=` is as missing as no `id`,
    /// as in Navidrome).
    public func requiredString(_ name: String) throws(SubsonicError) -> String {
        guard let value = first(name), !value.isEmpty else { throw .missingParameter(name) }
        return value
    }

    /// A parameter that must be present but may be empty (`search3`'s `query=`, which
    /// OpenSubsonic defines as "everything").
    public func requiredPossiblyEmptyString(_ name: String) throws(SubsonicError) -> String {
        guard let value = first(name) else { throw .missingParameter(name) }
        return value
    }

    /// The first value, or nil when absent or empty.
    public func optionalString(_ name: String) -> String? {
        guard let value = first(name), !value.isEmpty else { return nil }
        return value
    }

    /// The non-empty values of a repeated parameter (`id`, `songId`…), at most
    /// `limits.maxRepeatedValues` of them; more fail with code 0 rather than being cut silently,
    /// since a cut play queue or playlist would lose songs without telling anyone.
    public func strings(_ name: String) throws(SubsonicError) -> [String] {
        let values = all(name).filter { !$0.isEmpty }
        guard values.count <= limits.maxRepeatedValues else {
            throw .invalidParameter(name, "at most \(limits.maxRepeatedValues) values in one call")
        }
        return values
    }

    // MARK: - Numbers

    /// An integer that must be present and within `range`.
    public func requiredInt(_ name: String, in range: ClosedRange<Int>) throws(SubsonicError) -> Int {
        guard let value = try optionalInt(name, in: range) else { throw .missingParameter(name) }
        return value
    }

    /// An integer within `range`, or nil when absent or empty. Non-numeric text, a number outside
    /// `range` or one that does not fit 64 bits fails with code 0 naming the range.
    public func optionalInt(_ name: String, in range: ClosedRange<Int>) throws(SubsonicError) -> Int? {
        guard let text = optionalString(name) else { return nil }
        guard let value = Int(text) else {
            throw .invalidParameter(name, "expected an integer, got '\(Self.excerpt(text))'")
        }
        guard range.contains(value) else {
            throw .invalidParameter(name, "expected an integer from \(range.lowerBound) to \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A list size or search count: `defaultValue` when absent; a negative number or text fails
    /// with code 0; anything above `limits.maxListSize` is clamped to it (the spec's "Max 500":
    /// a client asking for 100 000 gets a full page, not an error).
    public func count(_ name: String, default defaultValue: Int) throws(SubsonicError) -> Int {
        guard let value = try optionalInt(name, in: 0...Int.max) else {
            return min(defaultValue, limits.maxListSize)
        }
        return min(value, limits.maxListSize)
    }

    /// A list offset: 0 when absent; negative fails with code 0, and so does anything above
    /// `limits.maxOffset`.
    public func offset(_ name: String) throws(SubsonicError) -> Int {
        try optionalInt(name, in: 0...limits.maxOffset) ?? 0
    }

    /// A point in time sent as milliseconds since 1970 (`scrobble`'s `time`,
    /// `getIndexes`' `ifModifiedSince`); negative fails with code 0.
    public func optionalTimestamp(_ name: String) throws(SubsonicError) -> Date? {
        guard let text = optionalString(name) else { return nil }
        return try Self.timestamp(text, name: name)
    }

    /// Every value of a repeated timestamp parameter (`scrobble`'s `time`, one per `id`).
    public func timestamps(_ name: String) throws(SubsonicError) -> [Date] {
        var dates: [Date] = []
        for text in try strings(name) {
            dates.append(try Self.timestamp(text, name: name))
        }
        return dates
    }

    private static func timestamp(_ text: String, name: String) throws(SubsonicError) -> Date {
        guard let milliseconds = Int64(text), milliseconds >= 0 else {
            throw .invalidParameter(name, "expected milliseconds since 1970, got '\(excerpt(text))'")
        }
        return Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    // MARK: - Booleans

    /// `true`/`false` as clients send them: `true`, `1`, `on`, `yes` and `false`, `0`, `off`,
    /// `no`, in any case; `defaultValue` when absent or empty; anything else fails with code 0.
    public func bool(_ name: String, default defaultValue: Bool) throws(SubsonicError) -> Bool {
        try optionalBool(name) ?? defaultValue
    }

    public func optionalBool(_ name: String) throws(SubsonicError) -> Bool? {
        guard let text = optionalString(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "on", "yes": return true
        case "false", "0", "off", "no": return false
        default: throw .invalidParameter(name, "expected true or false, got '\(Self.excerpt(text))'")
        }
    }

    /// At most 40 characters of a client's value inside an error message, so a 4 MiB value is
    /// not echoed back.
    static func excerpt(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }
}

extension StringProtocol {
    func trimmingASCIIWhitespace() -> Substring {
        let scalars = self[...]
        guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return Substring(scalars[start...end])
    }
}
