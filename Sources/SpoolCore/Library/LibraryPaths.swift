import Foundation

/// Where a track's files live: in the library, in the trash, and while they download. Paths
/// stored in the database are relative to `LIBRARY_DIR`; this type is the only place that
/// turns them into absolute paths, and it refuses ones that could escape the library (`..`,
/// absolute paths, NUL bytes), so a bad row can never make Spool move or delete a file
/// outside it.
///
/// ```
/// LIBRARY_DIR/<channel>/<title> [<id>].<ext>     a track's media, .jpg/.webp, .info.json
/// LIBRARY_DIR/.partial/<job id>/                 a download in progress
/// LIBRARY_DIR/.trash/<track id>/                 a deleted track's files, until purged
/// ```
public struct LibraryPaths: Sendable {
    /// `LIBRARY_DIR`, absolute and standardized.
    public let root: String

    public init(libraryDirectory: String) {
        self.root = URL(fileURLWithPath: libraryDirectory).standardizedFileURL.path
    }

    /// The folder deleted tracks move into: `LIBRARY_DIR/.trash`.
    var trashRoot: String { root + "/.trash" }

    /// Where downloads land before they move in: `LIBRARY_DIR/.partial`.
    var partialRoot: String { root + "/.partial" }

    /// The folder of one download: `.partial/<job id>`.
    func partialFolder(jobId: Int64) -> String { partialRoot + "/\(jobId)" }

    /// The absolute path of a library-relative path, or `nil` when it is empty, absolute or
    /// climbs out with `..`.
    public func absolute(_ relative: String) -> String? {
        guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.contains("\0") else { return nil }
        let components = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !components.isEmpty, !components.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        return root + "/" + components.joined(separator: "/")
    }

    /// The path relative to the library of an absolute path inside it.
    func relative(_ absolute: String) -> String? {
        guard absolute.hasPrefix(root + "/") else { return nil }
        return String(absolute.dropFirst(root.count + 1))
    }

    /// `path` with every symbolic link and `..` resolved, when the result lies inside `folder`
    /// (also resolved); nil otherwise. A file a tool reports (`<partial>/../../victim`) or a
    /// symbolic link planted in the library that points outside it is refused, not followed.
    public static func resolved(_ path: String, inside folder: String) -> String? {
        guard let real = realPath(path), let base = realPath(folder) else { return nil }
        return real.hasPrefix(base + "/") ? real : nil
    }

    static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// The trash folder of one track: `.trash/<track id>` (relative). One folder per track, so
    /// two tracks with the same file name never collide and the id ties the files to their row.
    func trashFolder(trackId: Int64) -> String {
        ".trash/\(trackId)"
    }

    /// Where one of a track's files sits while it is in the trash: `.trash/<id>/<file name>`.
    func trashPath(trackId: Int64, filePath: String) -> String {
        let name = filePath.split(separator: "/").last.map(String.init) ?? "file"
        return trashFolder(trackId: trackId) + "/" + name
    }

    /// Whether anything exists at the absolute path (a dangling link counts).
    static func exists(_ absolutePath: String) -> Bool {
        var info = stat()
        return lstat(absolutePath, &info) == 0
    }

    /// `rename(2)`: atomic within the library's file system, and an open descriptor (a stream
    /// in progress) keeps reading the same file afterwards. Creates the target's folder.
    static func move(from source: String, to target: String) throws(FileMoveError) {
        let folder = (target as NSString).deletingLastPathComponent
        if let code = makeFolders(folder) {
            throw FileMoveError(source: source, target: target, code: code)
        }
        guard rename(source, target) == 0 else {
            throw FileMoveError(source: source, target: target, code: errno)
        }
    }

    /// Like ``move(from:to:)``, but fails with `EEXIST` instead of replacing a file at `target`:
    /// two downloads racing for one name, or a name a user's own file holds, never lose a file.
    /// `renameat2(RENAME_NOREPLACE)` where the file system has it (ext4, xfs, btrfs, tmpfs,
    /// overlayfs); else `link` + `unlink`, as atomic; else (a file system without hard links)
    /// a check and a rename, which only a concurrent writer outside Spool could race.
    static func moveWithoutReplacing(from source: String, to target: String) throws(FileMoveError) {
        let folder = (target as NSString).deletingLastPathComponent
        if let code = makeFolders(folder) {
            throw FileMoveError(source: source, target: target, code: code)
        }
        if let renameat2 = NoReplaceRename.function {
            if renameat2(AT_FDCWD, source, AT_FDCWD, target, NoReplaceRename.flag) == 0 { return }
            guard errno == EINVAL || errno == ENOSYS || errno == ENOTSUP else {
                throw FileMoveError(source: source, target: target, code: errno)
            }
        }
        if link(source, target) == 0 {
            unlink(source)
            return
        }
        guard errno == EPERM || errno == ENOTSUP || errno == EXDEV || errno == EMLINK else {
            throw FileMoveError(source: source, target: target, code: errno)
        }
        if exists(target) { throw FileMoveError(source: source, target: target, code: EEXIST) }
        try move(from: source, to: target)
    }

    /// Removes `folder` and then each parent up to (not including) the library's root, as long
    /// as they are empty: a renamed track must not leave empty artist and album folders behind.
    func removeEmptyFolders(from folder: String) {
        var current = folder
        while current.hasPrefix(root + "/"), current != root, rmdir(current) == 0 {
            current = (current as NSString).deletingLastPathComponent
        }
    }

    /// `mkdir -p` with `mkdir(2)`, so a failure keeps its errno (read-only, full, no access).
    /// Returns nil on success.
    static func makeFolders(_ path: String) -> Int32? {
        var current = ""
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            current += "/" + component
            if mkdir(current, 0o755) != 0 && errno != EEXIST { return errno }
        }
        return nil
    }

    /// Removes a folder if it is empty; anything else is left alone.
    static func removeEmptyFolder(_ absolutePath: String) {
        _ = rmdir(absolutePath)
    }
}

/// glibc's `renameat2` (2.28+), which Swift's Glibc module does not import (it is a GNU
/// extension); looked up at run time.
enum NoReplaceRename {
    typealias Function = @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    static let function: Function? = dlsym(nil, "renameat2").map { unsafeBitCast($0, to: Function.self) }
    /// `RENAME_NOREPLACE` from <linux/fs.h>.
    static let flag: UInt32 = 1
}

/// A `rename(2)` that failed, with the errno it failed with.
struct FileMoveError: Error, CustomStringConvertible {
    let source: String
    let target: String
    let code: Int32

    /// The library (or its trash) cannot be written: nothing Spool can fix by retrying.
    var isReadOnly: Bool { code == EROFS || code == EACCES || code == EPERM }
    var isDiskFull: Bool { code == ENOSPC || code == EDQUOT }
    /// The target name is taken (``LibraryPaths/moveWithoutReplacing(from:to:)``).
    var isTaken: Bool { code == EEXIST }

    var description: String {
        "Cannot move \(source) to \(target): \(String(cString: strerror(code)))"
    }
}
