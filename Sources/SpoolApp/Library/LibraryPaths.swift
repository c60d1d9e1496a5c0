import Foundation

/// Where a track's file lives, in the library and in the trash. Paths stored in the database
/// are relative to `LIBRARY_DIR`; this type is the only place that turns them into absolute
/// paths, and it refuses ones that could escape the library (`..`, absolute paths), so a bad
/// row can never make Spool move or delete a file outside it.
struct LibraryPaths: Sendable {
    /// `LIBRARY_DIR`, absolute.
    let root: String

    init(libraryDirectory: String) {
        let url = URL(fileURLWithPath: libraryDirectory).standardizedFileURL
        self.root = url.path
    }

    /// The folder deleted tracks move into: `LIBRARY_DIR/.trash`.
    var trashRoot: String { root + "/.trash" }

    /// The absolute path of a library-relative path, or `nil` when it is empty, absolute or
    /// climbs out with `..`.
    func absolute(_ relative: String) -> String? {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0") else { return nil }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        return root + "/" + components.joined(separator: "/")
    }

    /// The trash folder of one track: `.trash/<track id>` (relative). One folder per track, so
    /// two tracks with the same file name never collide and the id ties the file to its row.
    func trashFolder(trackId: Int64) -> String {
        ".trash/\(trackId)"
    }

    /// Where a track's file sits while it is in the trash: `.trash/<track id>/<file name>`.
    func trashPath(trackId: Int64, filePath: String) -> String {
        let name = filePath.split(separator: "/").last.map(String.init) ?? "file"
        return trashFolder(trackId: trackId) + "/" + name
    }

    /// Whether a regular file (or anything) exists at the absolute path.
    static func exists(_ absolutePath: String) -> Bool {
        var info = stat()
        return lstat(absolutePath, &info) == 0
    }

    /// `rename(2)`: atomic within the library's file system, and an open descriptor (a stream
    /// in progress) keeps reading the same file afterwards. Creates the target's folder.
    static func move(from source: String, to target: String) throws {
        let folder = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard rename(source, target) == 0 else {
            throw FileMoveError(source: source, target: target, code: errno)
        }
    }

    /// Removes a folder if it is empty; anything else is left alone.
    static func removeEmptyFolder(_ absolutePath: String) {
        _ = rmdir(absolutePath)
    }
}

/// A `rename(2)` that failed, with the errno it failed with.
struct FileMoveError: Error, CustomStringConvertible {
    let source: String
    let target: String
    let code: Int32

    var description: String {
        "Cannot move \(source) to \(target): \(String(cString: strerror(code)))"
    }
}
