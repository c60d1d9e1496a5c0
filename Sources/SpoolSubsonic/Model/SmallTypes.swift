import Foundation

/// A string enumeration written as its raw value.
protocol SubsonicTextValue: SubsonicScalar, RawRepresentable where RawValue == String {}

extension SubsonicTextValue {
    func writeXML(into bytes: inout [UInt8], inAttribute: Bool) { rawValue.writeXML(into: &bytes, inAttribute: inAttribute) }
    func writeJSON(into bytes: inout [UInt8]) { rawValue.writeJSON(into: &bytes) }
}

/// Child's `type`: the generic kind of media (`xs:enumeration` in the Subsonic schema).
public enum SubsonicMediaKind: String, Sendable, Hashable, SubsonicTextValue {
    case music, podcast, audiobook, video
}

/// OpenSubsonic `mediaType`: what an id refers to.
public enum SubsonicItemType: String, Sendable, Hashable, SubsonicTextValue {
    case song, album, artist
}

/// OpenSubsonic `explicitStatus`: `explicit`, `clean`, or `""` for unknown.
public enum SubsonicExplicitStatus: String, Sendable, Hashable, SubsonicTextValue {
    case explicit, clean
    case unknown = ""
}

/// OpenSubsonic `ItemGenre`.
public struct ItemGenre: Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }

    func write(to w: inout SubsonicWriter) { w.attribute("name", name) }
}

/// A short artist reference (`id` and `name` only), the form OpenSubsonic asks for in a song's or
/// album's `artists` and `albumArtists` lists.
public struct ArtistReference: Sendable, Hashable {
    public var id: String
    public var name: String
    public init(id: String, name: String) {
        self.id = id
        self.name = name
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("id", id)
        w.attribute("name", name)
    }
}

/// OpenSubsonic `ItemDate`: a year, a year and month, or a full date (an upload date is a full
/// date).
public struct ItemDate: Sendable, Hashable {
    public var year: Int?
    public var month: Int?
    public var day: Int?
    public init(year: Int? = nil, month: Int? = nil, day: Int? = nil) {
        self.year = year
        self.month = month
        self.day = day
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("year", year)
        w.attribute("month", month)
        w.attribute("day", day)
    }
}

/// OpenSubsonic `ReplayGain`: absent values are left out; the element itself is always present
/// on a song once a server supports it.
public struct ReplayGain: Sendable, Hashable {
    public var trackGain: Double?
    public var albumGain: Double?
    public var trackPeak: Double?
    public var albumPeak: Double?
    public var baseGain: Double?
    public var fallbackGain: Double?
    public init(trackGain: Double? = nil, albumGain: Double? = nil, trackPeak: Double? = nil,
                albumPeak: Double? = nil, baseGain: Double? = nil, fallbackGain: Double? = nil) {
        self.trackGain = trackGain
        self.albumGain = albumGain
        self.trackPeak = trackPeak
        self.albumPeak = albumPeak
        self.baseGain = baseGain
        self.fallbackGain = fallbackGain
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("trackGain", trackGain)
        w.attribute("albumGain", albumGain)
        w.attribute("trackPeak", trackPeak)
        w.attribute("albumPeak", albumPeak)
        w.attribute("baseGain", baseGain)
        w.attribute("fallbackGain", fallbackGain)
    }
}

/// Durations travel as whole seconds (`xs:int`); Spool measures them as fractional seconds.
public enum SubsonicDuration {
    /// Rounds to the nearest second, so a 3.9 s file shows 4 s, not 3; negative, NaN or
    /// infinite input (an unknown duration) gives 0.
    public static func wholeSeconds(_ seconds: Double) -> Int {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return Int(min(seconds.rounded(), Double(Int32.max)))
    }
}
