import Foundation
import Glibc
import Synchronization

/// Who has the database to itself: the running server, for its whole life, or a restore
/// while it swaps the file. An exclusive `flock` on `<DB_PATH>.lock`.
///
/// Why a lock and not "is the file open" or a PID file: SQLite leaves nothing to see while a
/// server sits idle in WAL mode (no lock is held between transactions), and a PID file
/// outlives a crash (`kill -9`, a power cut) and then blocks a restore for a process that is
/// gone — or names a PID the system has reused. A `flock` belongs to the open file: the kernel
/// releases it the moment the process ends, however it ends, and two processes on one machine
/// (or in one container volume) can never both hold it. The file stays (deleting a lock file
/// while another process opens it would hand out two locks); it holds the owner's PID, which
/// only makes the refusal's message precise.
///
/// It also stops a second `spool serve` on the same database, which would be a second writer.
public final class DatabaseLock: Sendable {
    /// The database is held by another process.
    public struct Held: Error, CustomStringConvertible {
        public let lockPath: String
        /// The holder's PID as it wrote it, if readable.
        public let pid: Int32?

        public var description: String {
            "a Spool server (pid \(pid.map(String.init) ?? "unknown")) is using the database (it holds \(lockPath)); stop it first"
        }
    }

    public let path: String
    /// The locked file's descriptor; -1 once released.
    private let descriptor: Mutex<Int32>

    /// The lock file of the database at `databasePath`.
    public static func lockPath(databasePath: String) -> String {
        databasePath + ".lock"
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    /// Takes the lock at once or throws `Held` (never waits: a restore must not start after
    /// the server it found running stops by chance, and a second server must not queue).
    public static func acquire(databasePath: String) throws -> DatabaseLock {
        let path = lockPath(databasePath: databasePath)
        try FileManager.default.createDirectory(
            atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path, withIntermediateDirectories: true)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey:
                "cannot open the lock file \(path): \(String(cString: strerror(errno)))"])
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let failure = errno
            let pid = readPID(descriptor)
            close(descriptor)
            if failure == EWOULDBLOCK { throw Held(lockPath: path, pid: pid) }
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey:
                "cannot lock \(path): \(String(cString: strerror(failure)))"])
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = pid.withCString { pwrite(descriptor, $0, strlen($0), 0) }
        return DatabaseLock(path: path, descriptor: descriptor)
    }

    /// Releases the lock (also released when the process ends).
    public func release() {
        descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return }
            _ = ftruncate(descriptor, 0)
            flock(descriptor, LOCK_UN)
            close(descriptor)
            descriptor = -1
        }
    }

    deinit { release() }

    private static func readPID(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
