import Foundation

/// When a source's tracks leave the library, driven by what the user listens to. Retention
/// always moves tracks to the trash (undo and the trash's own expiry apply) and tombstones the
/// video, so a re-sync does not fetch it again. A liked track never leaves, and neither does one
/// the user restored from the trash (the undo sticks).
public struct RetentionRules: Codable, Sendable, Equatable {
    /// Keep at most the newest N tracks (by publication date, else when downloaded).
    public var keepNewest: Int?
    /// Remove tracks published (else downloaded) more than D days ago.
    public var maxAgeDays: Int?
    /// Remove a track the user disliked, or skipped this many times.
    public var removeAfterSkips: Int?
    /// Remove disliked tracks (default true when any rule is set).
    public var removeDisliked: Bool?

    public init() {}

    var isEmpty: Bool { self == RetentionRules() }

    public func validate() throws -> RetentionRules {
        if let count = keepNewest, !(1...1_000_000).contains(count) {
            throw DomainError.invalid(field: "retention.keep_newest", "must be from 1 to 1000000.")
        }
        if let days = maxAgeDays, !(1...36_500).contains(days) {
            throw DomainError.invalid(field: "retention.max_age_days", "must be from 1 to 36500.")
        }
        if let skips = removeAfterSkips, !(1...1000).contains(skips) {
            throw DomainError.invalid(field: "retention.remove_after_skips", "must be from 1 to 1000.")
        }
        return self
    }

    static func decode(_ json: String?) -> RetentionRules? {
        guard let json else { return nil }
        return try? JSONDecoder.snakeCase.decode(RetentionRules.self, from: Data(json.utf8))
    }

    var json: String? {
        isEmpty ? nil : (try? JSONEncoder.snakeCase.encode(self)).map { String(decoding: $0, as: UTF8.self) }
    }
}
