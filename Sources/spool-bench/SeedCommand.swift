// `spool-bench seed`: a new database filled to a given size through Spool's own migrations
// and schema (LibrarySeed), for the scale benchmark and for anyone who wants to see Spool with
// a big library: `DB_PATH=<file> spool serve` opens it like any other.
import Foundation
import SpoolSeed
import SpoolStore

enum SeedCommand {
    static func run(_ arguments: [String]) throws {
        let values = flags(arguments, allowed: ["--db", "--tracks", "--jobs", "--plays", "--sources", "--tombstones", "--seed"],
                           switches: ["--small"])
        guard let path = values["--db"] else { fail("seed needs --db PATH (a new file)") }
        guard !FileManager.default.fileExists(atPath: path) else { fail("\(path) exists; seed a new file") }
        let preset = values["--small"] != nil ? SeedSize.small : SeedSize.large
        let size = SeedSize(
            tracks: number(values, "--tracks", preset.tracks), jobs: number(values, "--jobs", preset.jobs),
            plays: number(values, "--plays", preset.plays), sources: number(values, "--sources", preset.sources),
            tombstones: number(values, "--tombstones", preset.tombstones))
        let database = try SpoolDatabase(options: DatabaseOptions(path: path))
        try database.migrate()
        let report = try LibrarySeed(size: size, seed: UInt64(number(values, "--seed", 19))).fill(database) { say($0) }
        try database.close()
        say("Seeded \(path): \(report)")
    }
}
