import Foundation

/// The backups of one database in one folder: how they are named, found and pruned.
///
/// A backup of `tracks.db` is `tracks-2026-01-31T040000.123Z.db`: the database's name, then
/// the UTC time it was taken, fixed width, so sorting the names sorts the backups by time
/// (`ls` shows the newest last, and no clock setting or time zone changes the order). The
/// milliseconds keep two backups taken within one second apart (tests take one a second).
///
/// Only names of exactly this shape count: a backup being written is `….db.partial` until it
/// is renamed (`SpoolDatabase.backup(to:)`), so a half-written file is never listed, pruned
/// as a good one, or offered to a restore; other files in the folder (another database's
/// backups, the user's own copies) are left alone.
public struct BackupFiles: Sendable {
    /// One backup found in the folder.
    public struct File: Sendable, Equatable {
        public let path: String
        public let name: String
        /// When it was taken, from its name.
        public let takenAt: Date
    }

    public let directory: String
    /// The database's file name without its extension (`tracks` for `tracks.db`).
    public let stem: String
    public let fileExtension: String

    public init(directory: String, databasePath: String) {
        self.directory = directory
        let name = URL(fileURLWithPath: databasePath).lastPathComponent
        let dot = name.lastIndex(of: ".").flatMap { $0 == name.startIndex ? nil : $0 }
        self.stem = dot.map { String(name[..<$0]) } ?? name
        self.fileExtension = dot.map { String(name[name.index(after: $0)...]) }.flatMap { $0.isEmpty ? nil : $0 } ?? "db"
    }

    /// The folder `BACKUP_DIR` defaults to: `backups/` beside the database.
    public static func defaultDirectory(databasePath: String) -> String {
        URL(fileURLWithPath: databasePath).deletingLastPathComponent().appendingPathComponent("backups").path
    }

    /// The name of a backup taken at `date`.
    public func name(takenAt date: Date) -> String {
        "\(stem)-\(Self.format(date)).\(fileExtension)"
    }

    public func path(takenAt date: Date) -> String {
        directory + "/" + name(takenAt: date)
    }

    /// The time in a backup's name, or nil when `name` is not one of this database's backups.
    public func takenAt(name: String) -> Date? {
        let prefix = stem + "-", suffix = "." + fileExtension
        guard name.hasPrefix(prefix), name.hasSuffix(suffix),
              name.count == prefix.count + Self.stampLength + suffix.count else { return nil }
        let stamp = name.dropFirst(prefix.count).dropLast(suffix.count)
        return Self.parse(String(stamp))
    }

    /// This database's backups in the folder, oldest first; none when the folder is missing.
    public func list() -> [File] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.compactMap { name in
            takenAt(name: name).map { File(path: directory + "/" + name, name: name, takenAt: $0) }
        }.sorted { ($0.takenAt, $0.name) < ($1.takenAt, $1.name) }
    }

    /// Backups left half-written by a crash (`….db.partial`, with SQLite's `-journal` of it),
    /// which nothing else removes.
    public func leftovers() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            guard let range = name.range(of: ".partial", options: .backwards) else { return false }
            return takenAt(name: String(name[..<range.lowerBound])) != nil && ["", "-journal"].contains(String(name[range.upperBound...]))
        }.map { directory + "/" + $0 }
    }

    /// The backups to delete so that the newest `keep` remain (`files` oldest first, as
    /// `list()` returns them). With `keep` below 1 nothing is pruned: the newest backup is
    /// never deleted by pruning.
    public static func prunable(_ files: [File], keep: Int) -> [File] {
        guard keep >= 1, files.count > keep else { return [] }
        return Array(files.prefix(files.count - keep))
    }

    // MARK: - The time stamp

    /// `2026-01-31T040000.123Z`: 22 characters, no colons (which some file systems and
    /// Windows shares refuse).
    static let stampLength = 22

    static func format(_ date: Date) -> String {
        let time = utcTime(date)
        return String(format: "%04d-%02d-%02dT%02d%02d%02d.%03dZ", time.year, time.month, time.day,
                      time.hour, time.minute, time.second, time.millisecond)
    }

    static func parse(_ stamp: String) -> Date? {
        let characters = Array(stamp.utf8)
        guard characters.count == stampLength, characters[4] == UInt8(ascii: "-"), characters[7] == UInt8(ascii: "-"),
              characters[10] == UInt8(ascii: "T"), characters[17] == UInt8(ascii: "."), characters[21] == UInt8(ascii: "Z")
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for index in range {
                let digit = Int(characters[index]) - Int(UInt8(ascii: "0"))
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(13..<15), let second = number(15..<17), let millisecond = number(18..<21),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        (components.year, components.month, components.day) = (year, month, day)
        (components.hour, components.minute, components.second) = (hour, minute, second)
        guard let whole = components.date else { return nil }
        return whole.addingTimeInterval(Double(millisecond) / 1000)
    }

    private struct UTCTime {
        var year, month, day, hour, minute, second, millisecond: Int
    }

    private static func utcTime(_ date: Date) -> UTCTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        // Whole milliseconds first, to the nearest: 0.987 s is 986.99… ms in binary.
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (whole, millisecond) = seconds.remainder < 0 ? (seconds.quotient - 1, seconds.remainder + 1000) : seconds
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: Double(whole)))
        return UTCTime(year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour!, minute: parts.minute!,
                       second: parts.second!, millisecond: Int(millisecond))
    }
}
