import Foundation
import SpoolStore

/// A profile's file and folder names: text with `{field}` placeholders, such as
/// `{artist}/{album}/{track:02} {title} [{id}].{ext}`.
///
/// ```swift
/// let template = try NameTemplate("{artist}/{album}/{track:02} {title} [{id}].{ext}")
/// template.render(values)     // "Fixture Band/Channel/03 Sine Song [ep-003].m4a"
/// ```
///
/// Validation happens once, when a profile is saved: only known fields; `:NN` only on numbers;
/// no absolute path, no `.` or `..` part, no empty part (`//`), no part that starts with a dot
/// (that would hide files or reach Spool's own `.partial`, `.trash` and `.cache` folders), no
/// control characters; at most 8 folder levels and 512 characters; it must end with `.{ext}`.
/// Rendering cannot escape either: every value goes through `LibraryNaming.safeName` (a `/` in
/// a title becomes `-`), every value is cut to 120 UTF-8 bytes and every rendered name to 200
/// (the longest value gives way first), so a path stays under 8 × 201 bytes, far inside Linux's
/// 4,096, and a name inside the 255 of every file system.
public struct NameTemplate: Sendable, Equatable, CustomStringConvertible {
    /// Spool's names before templates, kept as the default so existing libraries stay put.
    public static let standard = "{source}/{title} [{id}].{ext}"
    /// The fields a template may use, with what each holds, for error messages and the docs.
    public static let fields: [(name: String, meaning: String)] = [
        ("source", "the source's title (channel or playlist)"),
        ("artist", "the artist tag: a YouTube Music artist, an \"Artist - Title\" split, else the uploader"),
        ("album", "the album tag: a YouTube Music album, else the source's title"),
        ("title", "the video's title, as Spool shows it"),
        ("track", "the track number (a playlist's position); takes a width: {track:02}"),
        ("id", "the video id"),
        ("uploader", "the channel that uploaded the video"),
        ("year", "the upload year"),
        ("date", "the upload date, YYYY-MM-DD"),
        ("ext", "the file's extension"),
    ]
    static let numericFields: Set<String> = ["track", "year"]
    static let maximumLength = 512
    static let maximumLevels = 8
    /// Bytes of one text value, as Spool's names always allowed.
    static let fieldLimit = 120
    /// Bytes of one rendered name: under every file system's 255, with room for ` (100)`.
    static let partLimit = 200

    enum Piece: Equatable {
        case text(String)
        case field(String, width: Int?)
    }

    /// The template's parts between `/`, each a sequence of text and fields.
    let parts: [[Piece]]
    public let text: String
    public var description: String { text }

    /// Why a template was refused, in words for the user.
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    public init(_ text: String) throws(Invalid) {
        guard !text.isEmpty else { throw Invalid(description: "The template is empty.") }
        guard text.count <= Self.maximumLength else {
            throw Invalid(description: "The template is longer than \(Self.maximumLength) characters.")
        }
        guard !text.hasPrefix("/") else {
            throw Invalid(description: "The template must be relative to the library folder, not an absolute path.")
        }
        if let bad = text.unicodeScalars.first(where: { $0.properties.generalCategory == .control || $0 == "\\" }) {
            throw Invalid(description: "The template contains a character file names cannot have (U+\(String(bad.value, radix: 16, uppercase: true))).")
        }
        let split = text.split(separator: "/", omittingEmptySubsequences: false)
        guard split.count <= Self.maximumLevels else {
            throw Invalid(description: "The template has more than \(Self.maximumLevels) levels of folders.")
        }
        var parts: [[Piece]] = []
        for part in split {
            guard !part.isEmpty else { throw Invalid(description: "The template has an empty folder name (\"//\" or a trailing \"/\").") }
            guard part != ".", part != ".." else {
                throw Invalid(description: "The template must not climb out of the library folder (\"\(part)\").")
            }
            guard !part.hasPrefix(".") else {
                throw Invalid(description: "A name in the template must not start with a dot (\"\(part)\").")
            }
            parts.append(try Self.pieces(of: String(part)))
        }
        guard let last = parts.last, last.last == .field("ext", width: nil), Self.endsWithDot(last.dropLast().last) else {
            throw Invalid(description: "The template must end with \".{ext}\", the file's extension.")
        }
        if parts.dropLast().contains(where: { $0.contains(.field("ext", width: nil)) }) {
            throw Invalid(description: "{ext} belongs at the end of the file name only.")
        }
        self.parts = parts
        self.text = text
    }

    private static func endsWithDot(_ piece: Piece?) -> Bool {
        if case .text(let text)? = piece { return text.hasSuffix(".") }
        return false
    }

    private static func pieces(of part: String) throws(Invalid) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var rest = Substring(part)
        while let character = rest.first {
            if character == "}" {
                throw Invalid(description: "The template has a \"}\" without its \"{\".")
            }
            guard character == "{" else {
                literal.append(character)
                rest = rest.dropFirst()
                continue
            }
            guard let close = rest.firstIndex(of: "}") else {
                throw Invalid(description: "The template has a \"{\" without its \"}\".")
            }
            let inside = rest[rest.index(after: rest.startIndex)..<close]
            guard !inside.contains("{") else {
                throw Invalid(description: "The template has a \"{\" without its \"}\".")
            }
            let name = String(inside.prefix { $0 != ":" })
            guard Self.fields.contains(where: { $0.name == name }) else {
                let known = Self.fields.map { "{\($0.name)}" }.joined(separator: ", ")
                throw Invalid(description: "Unknown field {\(inside)}; the fields are \(known).")
            }
            var width: Int?
            if inside.contains(":") {
                let spec = inside.drop { $0 != ":" }.dropFirst()
                guard numericFields.contains(name) else {
                    throw Invalid(description: "{\(name)} takes no width; only {track} and {year} do.")
                }
                guard let value = Int(spec), (1...9).contains(value), spec.allSatisfy(\.isNumber) else {
                    throw Invalid(description: "The width in {\(inside)} must be a number from 1 to 9, e.g. {\(name):02}.")
                }
                width = value
            }
            if !literal.isEmpty { pieces.append(.text(literal)) }
            literal = ""
            pieces.append(.field(name, width: width))
            rest = rest[rest.index(after: close)...]
        }
        if !literal.isEmpty { pieces.append(.text(literal)) }
        return pieces
    }

    /// What the fields of one track hold.
    public struct Values: Sendable, Equatable {
        public var source: String?
        public var artist: String?
        public var album: String?
        public var title: String
        public var track: Int?
        public var id: String
        public var uploader: String?
        public var uploadedAt: Date?
        public var ext: String

        public init(source: String?, artist: String?, album: String?, title: String, track: Int?, id: String,
                    uploader: String?, uploadedAt: Date?, ext: String) {
            self.source = source
            self.artist = artist
            self.album = album
            self.title = title
            self.track = track
            self.id = id
            self.uploader = uploader
            self.uploadedAt = uploadedAt
            self.ext = ext
        }

        func value(of field: String) -> String {
            switch field {
            case "source": source ?? uploader ?? "Unknown source"
            case "artist": artist ?? uploader ?? source ?? "Unknown artist"
            case "album": album ?? source ?? "Unknown album"
            case "title": title
            case "id": id
            case "uploader": uploader ?? source ?? "Unknown uploader"
            case "ext": ext
            case "date": uploadedAt.map { Self.dayFormatter.string(from: $0) } ?? ""
            default: ""
            }
        }

        func number(of field: String) -> Int? {
            switch field {
            case "track": track
            case "year": uploadedAt.map { Calendar.utc.component(.year, from: $0) }
            default: nil
            }
        }

        static let dayFormatter: DateFormatter = {
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyy-MM-dd"
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            return formatter
        }()
    }

    /// The library-relative path of a track's media file; `suffix` (e.g. ` (2)`) goes before
    /// the extension when the plain name is taken.
    ///
    /// Each text value is cut to 120 UTF-8 bytes (the id to 60), as Spool's names always were;
    /// a part longer than 200 bytes then loses bytes from its longest text value first, so a
    /// long title never pushes `[{id}]` or the extension out of the name.
    public func render(_ values: Values, suffix: String = "") -> String {
        var rendered: [String] = []
        for (index, part) in parts.enumerated() {
            let isFile = index == parts.count - 1
            var segments: [(text: String, shrinkable: Bool)] = []
            for piece in isFile ? Array(part.dropLast()) : part {
                switch piece {
                case .text(let literal):
                    segments.append((literal, false))
                case .field(let name, let width):
                    if Self.numericFields.contains(name) {
                        guard let number = values.number(of: name) else { continue }
                        let digits = String(number)
                        segments.append((String(repeating: "0", count: max(0, (width ?? 0) - digits.count)) + digits, false))
                    } else {
                        let limit = name == "id" ? 60 : Self.fieldLimit
                        segments.append((LibraryNaming.safeName(values.value(of: name), limit: limit), name != "id"))
                    }
                }
            }
            if isFile {
                let ext = LibraryNaming.safeName(values.ext, limit: 10)
                if case (let last, false)? = segments.last, last.hasSuffix(".") {
                    segments[segments.count - 1].text = String(last.dropLast())
                }
                let stem = Self.fit(segments, into: Self.partLimit - suffix.utf8.count - ext.utf8.count - 1)
                rendered.append(stem + suffix + "." + ext)
            } else {
                rendered.append(Self.fit(segments, into: Self.partLimit))
            }
        }
        return rendered.joined(separator: "/")
    }

    /// Joins `segments` into a safe name of at most `limit` bytes, cutting the longest
    /// shrinkable segment first.
    static func fit(_ segments: [(text: String, shrinkable: Bool)], into limit: Int) -> String {
        var segments = segments
        var total = segments.reduce(0) { $0 + $1.text.utf8.count }
        while total > limit {
            guard let longest = segments.indices.filter({ segments[$0].shrinkable && !segments[$0].text.isEmpty })
                .max(by: { segments[$0].text.utf8.count < segments[$1].text.utf8.count }) else { break }
            let text = segments[longest].text
            // Down to the next longest value at most, so long values give way evenly.
            let next = segments.indices.filter { $0 != longest && segments[$0].shrinkable }.map { segments[$0].text.utf8.count }.max() ?? 0
            let keep = max(next == text.utf8.count ? next - 1 : next, text.utf8.count - (total - limit), 0)
            var cut = ""
            for character in text {
                if cut.utf8.count + String(character).utf8.count > keep { break }
                cut.append(character)
            }
            if cut.utf8.count == text.utf8.count { cut = String(text.dropLast()) }
            total -= text.utf8.count - cut.utf8.count
            segments[longest].text = cut
        }
        return LibraryNaming.safeName(segments.map(\.text).joined(), limit: limit)
    }
}

extension NameTemplate {
    /// A profile's template; the standard one when it has none (or, impossibly, a stored one the
    /// domain would refuse now).
    static func of(_ profile: Profile?) -> NameTemplate {
        if let text = profile?.outputTemplate, let template = try? NameTemplate(text) { return template }
        return try! NameTemplate(standard)
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
