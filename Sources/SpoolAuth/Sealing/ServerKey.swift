#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The server's one symmetric key: 32 random bytes from which purpose-bound keys are derived
/// (`secretBox(purpose:)`), today only the one that seals Subsonic passwords.
///
/// Where it lives, and why: in a file of its own beside the database (the app's default is
/// `<folder of DB_PATH>/spool.key`, mode 0600, created on first start), never in the database.
/// The point of encrypting a secret at rest is that a copy of the database alone — a backup,
/// the `.pre-migration` copies Spool writes, a file attached to a bug report — does not reveal
/// it. A key stored in the same file would defeat that. It is not in an environment variable
/// either: those leak into child processes (every yt-dlp and ffmpeg Spool starts) and into
/// `docker inspect`. A container mounts it as a file (a Docker secret works).
///
/// Losing the key loses only what it sealed: each user generates a new Subsonic password.
/// Account passwords (Argon2id) and session and API key digests (SHA-256) do not depend on it.
///
/// The file holds the key as 64 hex digits and a newline, so `openssl rand -hex 32 > spool.key`
/// makes one by hand.
public struct ServerKey: Sendable {
    public static let byteCount = 32

    let bytes: [UInt8]

    init(bytes: [UInt8]) {
        precondition(bytes.count == Self.byteCount, "a server key has \(Self.byteCount) bytes")
        self.bytes = bytes
    }

    /// A new random key.
    public static func generate() -> ServerKey {
        ServerKey(bytes: RandomBytes.generate(byteCount))
    }

    /// The key written as 64 hex digits (surrounding whitespace allowed), or nil.
    public init?(hex: String) {
        guard let bytes = Hex.decode(hex.trimmingASCIIWhitespace()), bytes.count == Self.byteCount else { return nil }
        self.init(bytes: bytes)
    }

    /// A short public name of this key (16 hex digits of an HMAC of it): log it, or store it
    /// beside sealed data, to tell at start-up that the key file was replaced without revealing
    /// the key.
    public var fingerprint: String {
        Hex.encode(Array(Digest.hmacSHA256(key: bytes, message: Array("spool/key-fingerprint/v1".utf8)).prefix(8)))
    }

    /// A `SecretBox` whose key is derived for `purpose` alone (HMAC-SHA-256 of the purpose under
    /// this key), so that sealed data of one purpose can never be opened as another's, and one
    /// server key can serve future purposes without reusing an AES key across them.
    public func secretBox(purpose: String) -> SecretBox {
        SecretBox(key: Digest.hmacSHA256(key: bytes, message: Array("spool/secret-box/v1/\(purpose)".utf8)))
    }

    // MARK: - The key file

    /// The key in `path`, created first (mode 0600) when there is no such file.
    ///
    /// Creation is atomic and never replaces a key: the key is written to a temporary file,
    /// flushed, and `link`ed to `path`, which fails if another process created it meanwhile (then
    /// that key is loaded). A crash leaves either no key file or a complete one.
    public static func loadOrCreate(at path: String) throws(ServerKeyError) -> ServerKey {
        if let key = try loadIfPresent(at: path) { return key }
        let key = generate()
        let temporary = "\(path).tmp-\(Hex.encode(RandomBytes.generate(6)))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .unwritable(path: path, errno: errno) }
        defer { unlink(temporary) }
        let text = Array((Hex.encode(key.bytes) + "\n").utf8)
        let written = text.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let writeErrno = errno
        let synced = fsync(descriptor) == 0
        let syncErrno = errno
        close(descriptor)
        guard written == text.count else { throw .unwritable(path: path, errno: written < 0 ? writeErrno : EIO) }
        guard synced else { throw .unwritable(path: path, errno: syncErrno) }
        if link(temporary, path) != 0 {
            let linkErrno = errno
            if linkErrno == EEXIST, let existing = try loadIfPresent(at: path) { return existing }
            throw .unwritable(path: path, errno: linkErrno)
        }
        syncDirectory(of: path)
        return key
    }

    /// The key in `path`; an error when it is missing, unreadable or not 64 hex digits.
    public static func load(from path: String) throws(ServerKeyError) -> ServerKey {
        guard let key = try loadIfPresent(at: path) else { throw .unreadable(path: path, errno: ENOENT) }
        return key
    }

    private static func loadIfPresent(at path: String) throws(ServerKeyError) -> ServerKey? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { return nil }
            throw .unreadable(path: path, errno: errno)
        }
        defer { close(descriptor) }
        // 64 hex digits and a newline; anything much longer is not a key file.
        var buffer = [UInt8](repeating: 0, count: 256)
        var count = 0
        while count < buffer.count {
            let result = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + count, $0.count - count) }
            if result < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, errno: errno)
            }
            if result == 0 { break }
            count += result
        }
        guard count < buffer.count else {
            throw .malformed(path: path, reason: "longer than a key file (64 hex digits and a newline)")
        }
        guard let text = String(validating: buffer[..<count], as: UTF8.self), let key = ServerKey(hex: text) else {
            throw .malformed(path: path, reason: "not 64 hex digits (\(count) bytes); make one with 'openssl rand -hex 32'")
        }
        return key
    }

    /// Makes the new directory entry durable (best effort: some file systems refuse to fsync a
    /// directory, and the key file itself is already on disk).
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = fsync(descriptor)
        close(descriptor)
    }
}

/// Why the server key file could not be used; the message names the file and what to do.
public enum ServerKeyError: Error, Equatable, CustomStringConvertible {
    case unreadable(path: String, errno: Int32)
    case unwritable(path: String, errno: Int32)
    case malformed(path: String, reason: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let code): "cannot read the server key file \(path): \(String(cString: strerror(code)))"
        case .unwritable(let path, let code): "cannot create the server key file \(path): \(String(cString: strerror(code)))"
        case .malformed(let path, let reason): "the server key file \(path) is not a key: \(reason)"
        }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return self[first...last]
    }
}
