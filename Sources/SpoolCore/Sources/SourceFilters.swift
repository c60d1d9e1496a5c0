import Foundation
import SpoolStore
import SpoolYtDlp

/// Which of a source's entries are downloaded. Applied when the source is listed, for every
/// field the listing has (a title always; durations and dates when the site gives them in a
/// listing), and otherwise when the video is downloaded, through yt-dlp's `--match-filters`.
/// A filtered entry is never a failure: it is recorded as skipped, with the reason.
public struct SourceFilters: Codable, Sendable, Equatable {
    /// Case-insensitive regular expressions on the title.
    public var titleInclude: String?
    public var titleExclude: String?
    /// Seconds.
    public var minDuration: Double?
    public var maxDuration: Double?
    /// Only entries published on or after this day (`YYYY-MM-DD`).
    public var uploadedAfter: String?
    /// Include YouTube shorts (and, elsewhere, entries of a minute or less); default true.
    public var includeShorts: Bool?
    /// Include live streams and their recordings; default true.
    public var includeLivestreams: Bool?
    /// At most N entries: of a channel or feed (listed newest first) the newest N; of a
    /// playlist the first N in the playlist's own order (see `Compiled.skipReason`).
    public var maxItems: Int?

    public init() {}

    /// Longest pattern accepted: a regular expression is run on every title of every sync.
    static let maximumPatternLength = 500
    /// A short, where the listing cannot tell (not YouTube): a minute or less.
    static let shortSeconds = 60.0

    var isEmpty: Bool { self == SourceFilters() }

    /// Refuses what cannot work, naming the field.
    public func validate() throws -> SourceFilters {
        for (field, pattern) in [("filters.title_include", titleInclude), ("filters.title_exclude", titleExclude)] {
            guard let pattern else { continue }
            guard pattern.count <= Self.maximumPatternLength else {
                throw DomainError.invalid(field: field, "is longer than \(Self.maximumPatternLength) characters.")
            }
            do {
                _ = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            } catch {
                throw DomainError.invalid(field: field, "'\(pattern.prefix(80))' is not a valid regular expression.")
            }
        }
        for (field, value) in [("filters.min_duration", minDuration), ("filters.max_duration", maxDuration)] {
            if let value, !(value.isFinite && value >= 0 && value <= 30 * 86_400) {
                throw DomainError.invalid(field: field, "must be a number of seconds from 0 to 2592000.")
            }
        }
        if let low = minDuration, let high = maxDuration, low > high {
            throw DomainError.invalid(field: "filters.max_duration", "must not be below min_duration.")
        }
        if let day = uploadedAfter, Self.day(day) == nil {
            throw DomainError.invalid(field: "filters.uploaded_after", "must be a date such as 2024-01-31.")
        }
        if let count = maxItems, !(1...1_000_000).contains(count) {
            throw DomainError.invalid(field: "filters.max_items", "must be from 1 to 1000000.")
        }
        return self
    }

    /// `2024-01-31` → midnight UTC of that day.
    static func day(_ text: String) -> Date? {
        guard text.count == 10 else { return nil }
        return ListingEntry.date(fromYYYYMMDD: text.replacingOccurrences(of: "-", with: "")).map(Date.init(timeIntervalSince1970:))
    }

    /// The filters ready to run on many entries of a source of `kind` (the expressions
    /// compiled once).
    func compiled(for kind: SourceKind = .channel) -> Compiled {
        Compiled(filters: self,
                 include: titleInclude.flatMap { try? NSRegularExpression(pattern: $0, options: [.caseInsensitive]) },
                 exclude: titleExclude.flatMap { try? NSRegularExpression(pattern: $0, options: [.caseInsensitive]) },
                 after: uploadedAfter.flatMap(Self.day), playlist: kind == .playlist)
    }

    struct Compiled: @unchecked Sendable {
        let filters: SourceFilters
        let include: NSRegularExpression?
        let exclude: NSRegularExpression?
        let after: Date?
        /// The source is a playlist: its order is its curator's (a course, an album, a mix), not
        /// newest first, so `maxItems` keeps its first N. "The newest N" of a playlist would
        /// need each entry's date added, which a flat listing of a YouTube playlist does not
        /// give, or the playlist's length before its first entry, which a lazy listing does not
        /// know; a guess from positions would download the wrong end of an album.
        var playlist = false

        /// Why the entry at 1-based `index` of the listing is skipped, or nil to download it.
        func skipReason(for entry: ListingEntry, index: Int) -> String? {
            if let limit = filters.maxItems, index > limit {
                return playlist ? "Beyond the first \(limit) of the playlist" : "Beyond the newest \(limit)"
            }
            let range = NSRange(entry.title.startIndex..., in: entry.title)
            if let include, include.firstMatch(in: entry.title, range: range) == nil {
                return "Title does not match '\(filters.titleInclude ?? "")'"
            }
            if let exclude, exclude.firstMatch(in: entry.title, range: range) != nil {
                return "Title matches '\(filters.titleExclude ?? "")'"
            }
            if let duration = entry.duration {
                if let low = filters.minDuration, duration < low { return "Shorter than \(Int(low)) s" }
                if let high = filters.maxDuration, duration > high { return "Longer than \(Int(high)) s" }
            }
            if let after, let uploaded = entry.uploadedAt, uploaded < after.timeIntervalSince1970 {
                return "Published before \(filters.uploadedAfter ?? "")"
            }
            if filters.includeShorts == false, Self.isShort(entry) { return "A short" }
            if filters.includeLivestreams == false, let live = entry.liveStatus,
               ["is_live", "was_live", "is_upcoming", "post_live"].contains(live) {
                return "A live stream"
            }
            return nil
        }

        /// YouTube names its shorts (`/shorts/` URLs); elsewhere a short is a minute or less.
        static func isShort(_ entry: ListingEntry) -> Bool {
            if entry.url.contains("/shorts/") { return true }
            guard let duration = entry.duration else { return false }
            return duration <= SourceFilters.shortSeconds
        }
    }

    /// The conditions the listing could not check for this entry, as yt-dlp `--match-filters`
    /// (nil when there are none): a duration or date the listing did not give.
    func downloadTimeFilter(duration: Double?, uploadedAt: Double?) -> String? {
        var conditions: [String] = []
        if duration == nil {
            if let low = minDuration { conditions.append("duration>=\(Int(low))") }
            if let high = maxDuration { conditions.append("duration<=\(Int(high))") }
            if includeShorts == false { conditions.append("duration>\(Int(Self.shortSeconds))") }
        }
        if uploadedAt == nil, let day = uploadedAfter {
            conditions.append("upload_date>=\(day.replacingOccurrences(of: "-", with: ""))")
        }
        if includeLivestreams == false { conditions.append("!is_live & live_status!=was_live") }
        return conditions.isEmpty ? nil : conditions.joined(separator: " & ")
    }

    /// Decodes stored JSON (nil for none or unreadable).
    static func decode(_ json: String?) -> SourceFilters? {
        guard let json else { return nil }
        return try? JSONDecoder.snakeCase.decode(SourceFilters.self, from: Data(json.utf8))
    }

    var json: String? {
        isEmpty ? nil : (try? JSONEncoder.snakeCase.encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }
}

extension JSONDecoder {
    /// Stored JSON of the domain (filters, retention rules) uses the API's snake_case keys.
    static var snakeCase: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }
}

extension JSONEncoder {
    static var snakeCase: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}
