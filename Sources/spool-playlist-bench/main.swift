// Playlist files of a big source, beside a reference measured in the same run on the same disk:
// the same rows through a plain SELECT, written to a file with Foundation's atomic write.
//
//   swift run -c release spool-playlist-bench [--tracks N] [--runs N] [--dir PATH]
//
// Results and the command go in docs/benchmarks.md.
import Foundation
import GRDB
import Logging
import SpoolCore
import SpoolStore

struct Options {
    var tracks = 20_000
    var runs = 5
    var directory = NSTemporaryDirectory() + "spool-playlist-bench-" + UUID().uuidString

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            let value = iterator.next() ?? ""
            switch flag {
            case "--tracks": tracks = Int(value) ?? tracks
            case "--runs": runs = Int(value) ?? runs
            case "--dir": directory = value
            default: FileHandle.standardError.write(Data("unknown option \(flag)\n".utf8)); exit(2)
            }
        }
    }
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func median(_ values: [Double]) -> String {
    let sorted = values.sorted()
    return String(format: "%.1f ms", sorted[sorted.count / 2])
}

func row(_ name: String, _ spool: String, _ reference: String) {
    say(name.padding(toLength: 58, withPad: " ", startingAt: 0) + spool.padding(toLength: 14, withPad: " ", startingAt: 0) + reference)
}

let options = Options(CommandLine.arguments)
try FileManager.default.createDirectory(atPath: options.directory + "/library", withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: options.directory) }

let database = try SpoolDatabase(options: DatabaseOptions(path: options.directory + "/spool.db"))
try database.migrate()
// One channel of `tracks` downloaded videos, listed newest first (the reverse of insertion),
// every tenth one liked by the owner; titles and paths as long as real ones.
let sourceId = try database.write { db -> Int64 in
    var source = Source(url: "https://www.youtube.com/@bench/videos")
    source.title = "Benchmark Channel"
    try source.insert(db)
    let id = source.id!
    let track = try db.makeStatement(sql: """
        INSERT INTO tracks (id, video_id, source_id, title, uploader, duration, file_path, size, mime_type, created_at)
        VALUES (?, ?, ?, ?, 'Benchmark Channel', ?, ?, 1000000, 'audio/mp4', ?)
        """)
    // The owner's likes (user 1 exists from the migrations).
    let like = try db.makeStatement(sql: "INSERT INTO user_tracks (user_id, track_id, rating, liked_at) VALUES (1, ?, 1, ?)")
    let entry = try db.makeStatement(sql: """
        INSERT INTO source_entries (source_id, video_id, position, title, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, 0, 0)
        """)
    for index in 0..<options.tracks {
        let video = String(format: "v%010d", index)
        let title = "Episode \(index): a title about as long as the ones people give their videos"
        let path = "Benchmark Channel/" + LibraryNaming.safeName(title) + " [\(video)].m4a"
        try track.execute(arguments: [index + 1, video, id, title, 180 + index % 600, path, Double(index)])
        if index % 10 == 0 { try like.execute(arguments: [index + 1, Double(index)]) }
        try entry.execute(arguments: [id, video, options.tracks - index, title])
    }
    return id
}
let paths = LibraryPaths(libraryDirectory: options.directory + "/library")
let playlists = PlaylistFiles(database: database, paths: paths, hub: EventHub(), logger: Logger(label: "bench"))
let file = playlists.folderPath + "/Benchmark Channel.m3u8"

say("Playlist files: one source of \(options.tracks) tracks (+ the owner's likes, \(options.tracks / 10) tracks); median of \(options.runs) runs")
row("", "Spool", "reference: plain SELECT + atomic write of the same rows")

var first: [Double] = [], unchanged: [Double] = [], changed: [Double] = []
var referenceSelect: [Double] = [], referenceWrite: [Double] = []
for run in 0..<options.runs {
    try? FileManager.default.removeItem(atPath: playlists.folderPath)
    var result = PlaylistFiles.PassResult()
    first.append(try milliseconds { result = try playlists.writeAll() })
    precondition(result.written == 2 && result.problems.isEmpty, "the first pass writes both lists: \(result)")
    unchanged.append(try milliseconds { result = try playlists.writeAll() })
    precondition(result.written == 0, "an unchanged pass writes nothing")
    try database.write { db in
        try db.execute(sql: "UPDATE tracks SET title = ? WHERE id = 1", arguments: ["Renamed \(run)"])
    }
    changed.append(try milliseconds { result = try playlists.writeAll() })
    precondition(result.written >= 1, "a changed title rewrites the list")

    // The reference: the same rows in id order, no join, no ordering by the listing.
    var rows: [(String, String, String?, Double?)] = []
    referenceSelect.append(try milliseconds {
        rows = try database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT file_path, title, uploader, duration FROM tracks WHERE source_id = ? AND deleted_at IS NULL ORDER BY id
                """, arguments: [sourceId]).map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    })
    precondition(rows.count == options.tracks)
    referenceWrite.append(try milliseconds {
        var text = "#EXTM3U\n"
        for (path, title, uploader, duration) in rows {
            text += "#EXTINF:\(Int(duration ?? -1)),\(uploader ?? "") - \(title)\n../\(path)\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: options.directory + "/reference.m3u8"), options: .atomic)
    })
}
let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
row("first pass: both lists read, built and written", median(first), median(referenceSelect) + " SELECT + " + median(referenceWrite) + " write")
row("unchanged pass: read, built, compared, nothing written", median(unchanged), "")
row("one title changed: the list rewritten", median(changed), "")
say("list file: \(bytes / 1024) KiB; runs: first \(first.map { String(format: "%.0f", $0) }.joined(separator: ", ")) ms")
