import Foundation
import GRDB
import Logging
import SpoolStore
import SpoolYtDlp

/// Download profiles, and the only writer of `profiles` rows: named, reusable choices of what
/// a source's downloads keep (audio in a codec, or video up to a height), with a format
/// override, tagging and cookies switches and validated extra yt-dlp arguments. One profile is
/// the default; a profile used by a source cannot be deleted.
///
/// The default profile starts as the environment settings (`AUDIO_FORMAT`, `YTDLP_FORMAT`,
/// `YTDLP_EXTRA_ARGS`) and follows them at every start until a user edits it.
public final class ProfileService: Sendable {
    /// What a user sends to create or change a profile; nil fields keep their value.
    public struct Input: Sendable, Decodable {
        public var name: String?
        public var media: ProfileMedia?
        public var audioCodec: String?
        public var audioQuality: String?
        public var maxHeight: Int?
        public var format: String?
        public var embedMetadata: Bool?
        public var embedThumbnail: Bool?
        public var useCookies: Bool?
        public var extraArgs: [String]?
        public var isDefault: Bool?
        /// File and folder names (`NameTemplate`); "" goes back to the standard one.
        public var outputTemplate: String?

        public init() {}
    }

    /// The codecs yt-dlp's `--audio-format` takes.
    public static let audioCodecs = ["best", "aac", "alac", "flac", "m4a", "mp3", "opus", "vorbis", "wav"]

    let database: SpoolDatabase
    /// What no profile decides: ffmpeg, the cookies file, the proxy, the rate limit.
    let base: YtDlpOptions
    private let logger: Logger

    init(database: SpoolDatabase, base: YtDlpOptions, logger: Logger) {
        self.database = database
        self.base = base
        self.logger = logger
    }

    public func list() throws -> [Profile] {
        try database.read { try Profile.order(Column("id")).fetchAll($0) }
    }

    public func profile(_ id: Int64) throws -> Profile {
        guard let profile = try database.read({ try Profile.fetchOne($0, key: id) }) else {
            throw DomainError.notFound("No profile with id \(id).")
        }
        return profile
    }

    /// How many sources use each profile.
    public func usage() throws -> [Int64: Int] {
        try database.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT profile_id, count(*) AS n FROM sources GROUP BY profile_id")
                .map { ($0["profile_id"] as Int64, $0["n"] as Int) })
        }
    }

    public func create(_ input: Input) throws -> Profile {
        guard let name = input.name else { throw DomainError.invalid(field: "name", "is required.") }
        var profile = Profile(name: name)
        try apply(input, to: &profile)
        return try database.write { db in
            try ensureUniqueName(profile.name, except: nil, db)
            try profile.insert(db)
            if input.isDefault == true { try makeDefault(profile.id!, db) }
            return try Profile.fetchOne(db, key: profile.id!)!
        }
    }

    public func update(_ id: Int64, _ input: Input) throws -> Profile {
        try database.write { db in
            guard var profile = try Profile.fetchOne(db, key: id) else { throw DomainError.notFound("No profile with id \(id).") }
            try apply(input, to: &profile)
            if input.isDefault == false && profile.isDefault {
                throw DomainError.invalid(field: "is_default", "make another profile the default instead.")
            }
            try ensureUniqueName(profile.name, except: id, db)
            profile.fromSettings = false
            profile.updatedAt = Date()
            try profile.update(db)
            if input.isDefault == true { try makeDefault(id, db) }
            return try Profile.fetchOne(db, key: id)!
        }
    }

    public func delete(_ id: Int64) throws {
        try database.write { db in
            guard let profile = try Profile.fetchOne(db, key: id) else { throw DomainError.notFound("No profile with id \(id).") }
            guard !profile.isDefault else { throw DomainError.conflict("The default profile cannot be deleted; make another one the default first.") }
            let users = try Int.fetchOne(db, sql: "SELECT count(*) FROM sources WHERE profile_id = ?", arguments: [id]) ?? 0
            guard users == 0 else {
                throw DomainError.conflict("\(users) source\(users == 1 ? " uses" : "s use") the profile '\(profile.name)'; give them another one first.")
            }
            try Profile.deleteOne(db, key: id)
        }
    }

    /// The default profile's id.
    func defaultProfileId(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT id FROM profiles WHERE is_default = 1") ?? 1
    }

    /// The options a download of `sourceId` runs with: its source's profile over `base`.
    public func options(forSource sourceId: Int64?) throws -> YtDlpOptions {
        let profile = try database.read { db -> Profile? in
            let id = try sourceId.flatMap { try Int64.fetchOne(db, sql: "SELECT profile_id FROM sources WHERE id = ?", arguments: [$0]) }
                ?? (try defaultProfileId(db))
            return try Profile.fetchOne(db, key: id)
        }
        guard let profile else { return base }
        return Self.options(for: profile, base: base)
    }

    static func options(for profile: Profile, base: YtDlpOptions) -> YtDlpOptions {
        var options = base
        switch profile.media {
        case .audio:
            options.audioFormat = profile.audioCodec ?? "best"
            options.audioQuality = profile.audioQuality
            options.maxHeight = nil
        case .video:
            options.audioFormat = nil
            options.audioQuality = nil
            options.maxHeight = profile.maxHeight
        }
        options.format = profile.format
        if !profile.useCookies { options.cookiesFile = nil }
        let extra = (try? JSONDecoder().decode([String].self, from: Data(profile.extraArgs.utf8))) ?? []
        options.extraArguments = extra
        return options
    }

    /// At start-up: while the default profile still mirrors the environment settings, it
    /// takes their current values (a user's edit ends that).
    func followSettings(audioFormat: String?, format: String?, extraArguments: [String]) throws {
        try database.write { db in
            guard var profile = try Profile.filter(Column("is_default") == true && Column("from_settings") == true).fetchOne(db) else { return }
            profile.media = audioFormat == nil ? .video : .audio
            profile.audioCodec = audioFormat
            profile.format = format
            if ExtraArgumentsPolicy.problem(with: extraArguments) == nil {
                profile.extraArgs = String(decoding: try JSONEncoder().encode(extraArguments), as: UTF8.self)
            } else {
                logger.warning("YTDLP_EXTRA_ARGS holds options profiles refuse; the default profile keeps none",
                               metadata: ["problem": "\(ExtraArgumentsPolicy.problem(with: extraArguments) ?? "")"])
            }
            try profile.update(db)
        }
    }

    // MARK: - Validation

    private func apply(_ input: Input, to profile: inout Profile) throws {
        if let name = input.name {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            guard (1...100).contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                throw DomainError.invalid(field: "name", "must be 1 to 100 characters without control characters.")
            }
            profile.name = trimmed
        }
        if let media = input.media { profile.media = media }
        if let codec = input.audioCodec {
            guard Self.audioCodecs.contains(codec) else {
                throw DomainError.invalid(field: "audio_codec", "must be one of \(Self.audioCodecs.joined(separator: ", ")).")
            }
            profile.audioCodec = codec
        }
        if let quality = input.audioQuality {
            let valid = quality.range(of: #"^(10|[0-9]|[0-9]{2,3}[kK])$"#, options: .regularExpression) != nil
            guard valid else { throw DomainError.invalid(field: "audio_quality", "must be 0 (best) to 10, or a bitrate such as 192K.") }
            profile.audioQuality = quality
        }
        if let height = input.maxHeight {
            guard (144...4320).contains(height) else { throw DomainError.invalid(field: "max_height", "must be from 144 to 4320.") }
            profile.maxHeight = height
        }
        if let format = input.format {
            let trimmed = format.trimmingCharacters(in: .whitespaces)
            guard trimmed.count <= 300, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }),
                  !trimmed.hasPrefix("-") else {
                throw DomainError.invalid(field: "format", "must be a yt-dlp format selection of at most 300 characters.")
            }
            profile.format = trimmed.isEmpty ? nil : trimmed
        }
        if let text = input.outputTemplate {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == NameTemplate.standard {
                profile.outputTemplate = nil
            } else {
                do {
                    profile.outputTemplate = try NameTemplate(trimmed).text
                } catch {
                    throw DomainError.invalid(field: "output_template", error.description)
                }
            }
        }
        if let value = input.embedMetadata { profile.embedMetadata = value }
        if let value = input.embedThumbnail { profile.embedThumbnail = value }
        if let value = input.useCookies { profile.useCookies = value }
        if let extra = input.extraArgs {
            if let problem = ExtraArgumentsPolicy.problem(with: extra) {
                throw DomainError.invalid(field: "extra_args", problem)
            }
            profile.extraArgs = String(decoding: try JSONEncoder().encode(extra), as: UTF8.self)
        }
        if profile.media == .audio && profile.audioCodec == nil { profile.audioCodec = "m4a" }
    }

    private func ensureUniqueName(_ name: String, except id: Int64?, _ db: Database) throws {
        let clash = try Int64.fetchOne(db, sql: "SELECT id FROM profiles WHERE name = ? COLLATE NOCASE AND id IS NOT ?", arguments: [name, id])
        if clash != nil { throw DomainError.conflict("A profile named '\(name)' exists already.") }
    }

    private func makeDefault(_ id: Int64, _ db: Database) throws {
        try db.execute(sql: "UPDATE profiles SET is_default = 0 WHERE is_default = 1 AND id != ?", arguments: [id])
        try db.execute(sql: "UPDATE profiles SET is_default = 1 WHERE id = ?", arguments: [id])
    }
}
