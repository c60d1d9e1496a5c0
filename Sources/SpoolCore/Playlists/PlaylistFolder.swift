import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The files of `LIBRARY_DIR/Playlists/`: which are Spool's, an atomic write that leaves an
/// unchanged file alone, and a removal that only ever removes Spool's own files.
struct PlaylistFolder: Sendable {
    /// `LIBRARY_DIR/Playlists`, absolute.
    let path: String

    /// A failed file operation with its errno, for the log and the health page.
    struct Failure: Error, CustomStringConvertible {
        let operation: String
        let path: String
        let code: Int32

        var description: String { "Cannot \(operation) \(path): \(String(cString: strerror(code)))" }
    }

    /// What a write did.
    enum Outcome: Equatable {
        case written
        /// The file already held exactly these bytes: not touched, so a media server that
        /// watches modification times does not rescan it.
        case unchanged
    }

    /// Every `.m3u8` file in the folder with its owner (nil: not Spool's). Reads only the head
    /// of each file; an unreadable one counts as not Spool's, so it is never removed.
    func scan() -> [String: PlaylistOwner?] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return [:] }
        var owners: [String: PlaylistOwner?] = [:]
        for name in names where PlaylistNames.isPlaylistFile(name) {
            owners[name] = owner(of: name)
        }
        return owners
    }

    /// The owner the marker of `name` names, or nil.
    func owner(of name: String) -> PlaylistOwner? {
        guard let handle = FileHandle(forReadingAtPath: path + "/" + name) else { return nil }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: PlaylistDocument.headBytes) else { return nil }
        return PlaylistDocument.owner(inHead: head)
    }

    /// Writes `data` as `name`: into a hidden temporary file in the same folder, flushed to
    /// disk, then renamed over the old file, so a reader (or a crash) sees the old list or the
    /// new one, never half of one. A file that already holds `data` is left as it is.
    func write(_ data: Data, as name: String) throws(Failure) -> Outcome {
        let target = path + "/" + name
        if let current = FileManager.default.contents(atPath: target), current == data { return .unchanged }
        if let code = LibraryPaths.makeFolders(path) { throw Failure(operation: "create", path: path, code: code) }
        let temporary = path + "/.\(name).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Failure(operation: "create", path: temporary, code: errno) }
        var failure: Failure?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = Failure(operation: "write", path: temporary, code: errno)
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = Failure(operation: "flush", path: temporary, code: errno) }
        close(descriptor)
        if failure == nil, rename(temporary, target) != 0 { failure = Failure(operation: "replace", path: target, code: errno) }
        if let failure {
            unlink(temporary)
            throw failure
        }
        return .written
    }

    /// Makes the renames of a flush durable (the folder's entries reach the disk).
    func syncFolder() {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// Removes `name` if its marker still names `owner` (read again right before, so a file
    /// a user took over meanwhile stays). Returns whether it was removed.
    @discardableResult
    func remove(_ name: String, ownedBy owner: PlaylistOwner) throws(Failure) -> Bool {
        guard self.owner(of: name) == owner else { return false }
        guard unlink(path + "/" + name) == 0 || errno == ENOENT else {
            throw Failure(operation: "remove", path: path + "/" + name, code: errno)
        }
        return true
    }

    /// Removes temporary files left by a write a crash interrupted.
    func removeLeftoverTemporaries() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { return }
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") && name.contains(PlaylistNames.fileExtension + ".") {
            unlink(path + "/" + name)
        }
    }
}
