import Foundation

/// The file steps of `--move`, ordered so that a kill at any instant loses nothing and never
/// leaves a row pointing at a missing file:
///
/// 1. **Place**: the file appears at its library path while the original stays where it was:
///    a hard link (`link(2)`: atomic, no data copied), or, across file systems (`EXDEV`) or
///    where links are not supported, a copy written into `.partial/import-<job>/`, synced, and
///    linked into place (so the library never shows half a file).
/// 2. **Commit** the track rows (the importer's write transaction).
/// 3. **Release**: the original's name is removed, once the library path holds the same file
///    (the same inode, or for a copy the same bytes).
///
/// Killed after 1: the library holds extra names of files that still sit in the folder, with no
/// row; the import's next run (the job is retried after a restart) finds the placed file and
/// goes on from step 2. Killed after 2: rows and files agree; the next run finds the known
/// videos' originals still in the folder, holding the same data as their tracks' files, and
/// does step 3. No step runs inside a transaction. (`TrashService` uses the same principle in
/// the other order: the row says where files should be, the files follow.)
struct ImportPlacement {
    /// `LIBRARY_DIR/.partial/import-<job id>`: copies across file systems are made here.
    let staging: String
    /// Called while a long copy runs, so the stall watchdog sees it alive.
    let touch: @Sendable () -> Void

    enum Failure: Error, CustomStringConvertible {
        /// Another file already sits at the library path.
        case occupied(String)
        case failed(String)

        var description: String {
            switch self {
            case .occupied(let message), .failed(let message): message
            }
        }
    }

    /// Step 1: makes `target` hold the same file as `origin`, keeping `origin`. Succeeds without
    /// doing anything when `target` already holds it (a resumed run, or a file already at its
    /// place in the library's layout).
    func place(_ origin: String, at target: String) throws(Failure) {
        if let code = LibraryPaths.makeFolders((target as NSString).deletingLastPathComponent) {
            throw .failed("Cannot create the folder of \(target): \(Self.message(code))")
        }
        if link(origin, target) == 0 { return }
        let code = errno
        switch code {
        case EEXIST:
            guard Self.holdsSameData(origin, target) else {
                throw .occupied("Another file already sits at \(target).")
            }
        case EXDEV, EPERM, ENOTSUP, EOPNOTSUPP, EMLINK:
            try copy(origin, to: target)
        default:
            throw .failed("Cannot place \(origin) at \(target): \(Self.message(code))")
        }
    }

    /// Step 3: removes `origin` once `target` holds the same data, unless both are one name.
    /// Returns whether the original is gone.
    @discardableResult
    func release(_ origin: String, placedAt target: String) -> Bool {
        guard !Self.isSamePath(origin, target), Self.holdsSameData(origin, target) else { return false }
        return unlink(origin) == 0
    }

    /// Undoes step 1 (the rows were not written): removes `target` when it is a name this
    /// placement made for `origin`'s data, never the original itself.
    func withdraw(_ origin: String, placedAt target: String) {
        guard !Self.isSamePath(origin, target), Self.holdsSameData(origin, target) else { return }
        _ = unlink(target)
    }

    /// Writes a copy into staging, syncs it, and links it to `target` (never replacing a file).
    private func copy(_ origin: String, to target: String) throws(Failure) {
        if let code = LibraryPaths.makeFolders(staging) {
            throw .failed("Cannot create \(staging): \(Self.message(code))")
        }
        let scratch = staging + "/" + UUID().uuidString
        defer { unlink(scratch) }
        let input = open(origin, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw .failed("Cannot read \(origin): \(Self.message(errno))") }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw .failed("Cannot read \(origin): \(Self.message(errno))") }
        let output = open(scratch, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, info.st_mode & 0o777)
        guard output >= 0 else { throw .failed("Cannot write into \(staging): \(Self.message(errno))") }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var failure: String?
        var copied = 0
        while failure == nil {
            let count = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                failure = "Cannot read \(origin): \(Self.message(errno))"
                break
            }
            var offset = 0
            while offset < count {
                let written = buffer.withUnsafeBytes { write(output, $0.baseAddress! + offset, count - offset) }
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "Cannot write the copy of \(origin): \(Self.message(errno))"
                    break
                }
                offset += written
            }
            copied += count
            if copied % (64 << 20) < count { touch() }
        }
        // Keep the original's times: players and other tools sort by them.
        var times = [info.st_atim, info.st_mtim]
        _ = futimens(output, &times)
        if failure == nil, fsync(output) != 0 { failure = "Cannot sync the copy of \(origin): \(Self.message(errno))" }
        close(output)
        if let failure { throw .failed(failure) }
        guard link(scratch, target) == 0 else {
            let code = errno
            if code == EEXIST, Self.holdsSameData(origin, target) { return }
            throw code == EEXIST ? .occupied("Another file already sits at \(target).") : .failed("Cannot place the copy at \(target): \(Self.message(code))")
        }
    }

    /// The same inode, or (a copy) the same size and bytes.
    static func holdsSameData(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        if first.st_dev == second.st_dev && first.st_ino == second.st_ino { return true }
        guard first.st_size == second.st_size else { return false }
        guard let left = FileHandle(forReadingAtPath: a), let right = FileHandle(forReadingAtPath: b) else { return false }
        defer {
            try? left.close()
            try? right.close()
        }
        do {
            while true {
                // `read(upToCount:)` answers nil at the end of the file.
                let one = try left.read(upToCount: 1 << 20) ?? Data()
                let two = try right.read(upToCount: 1 << 20) ?? Data()
                if one != two { return false }
                if one.isEmpty { return true }
            }
        } catch {
            return false
        }
    }

    /// Whether both paths name one directory entry (their folders resolve to the same place).
    static func isSamePath(_ a: String, _ b: String) -> Bool {
        let name = { (path: String) in (path as NSString).lastPathComponent }
        let folder = { (path: String) in LibraryPaths.realPath((path as NSString).deletingLastPathComponent) }
        return name(a) == name(b) && folder(a) != nil && folder(a) == folder(b)
    }

    /// `fsync` of a folder, so the names made in it survive a power cut before the rows commit.
    static func syncFolder(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }

    private static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}
