import Foundation

/// Plain POSIX file access for the tagger's own byte edits (MP4 boxes, the ID3 header), so that
/// every failure carries its errno: a full disk must be reported as "No space left on device",
/// not as a generic write error.
final class RawFile {
    let path: String
    private(set) var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        if descriptor >= 0 { _ = Glibc.close(descriptor) }
    }

    static func openForReading(_ path: String) throws -> RawFile {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure("open", path) }
        return RawFile(path: path, descriptor: descriptor)
    }

    /// Creates a new file; fails if it exists, so a stale file is never appended to.
    static func create(_ path: String) throws -> RawFile {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure("create", path) }
        return RawFile(path: path, descriptor: descriptor)
    }

    var size: UInt64 {
        get throws {
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw Self.failure("stat", path) }
            return UInt64(info.st_size)
        }
    }

    /// Reads exactly `count` bytes at `offset`, or fewer at the end of the file.
    func read(at offset: UInt64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw Self.failure("read", path)
            }
            if got == 0 { break }
            filled += got
        }
        return filled == count ? buffer : Array(buffer[..<filled])
    }

    func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + written, bytes.count - written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw Self.failure("write", path)
            }
            written += count
        }
    }

    /// Copies `length` bytes of `source` starting at `offset` to the end of this file, 1 MiB at
    /// a time.
    func copy(from source: RawFile, offset: UInt64, length: UInt64) throws {
        let chunk: UInt64 = 1 << 20
        var done: UInt64 = 0
        while done < length {
            let bytes = try source.read(at: offset + done, count: Int(min(chunk, length - done)))
            guard !bytes.isEmpty else {
                throw MediaTaggingError.unexpectedStructure("\(source.path) ends before byte \(offset + length)")
            }
            try write(bytes)
            done += UInt64(bytes.count)
        }
    }

    /// Flushes the data to the disk and closes the file; a failure here (NFS, a full disk with
    /// delayed allocation) is a failed write too.
    func syncAndClose() throws {
        guard fsync(descriptor) == 0 else { throw Self.failure("sync", path) }
        let descriptor = self.descriptor
        self.descriptor = -1
        guard Glibc.close(descriptor) == 0 else { throw Self.failure("close", path) }
    }

    static func failure(_ operation: String, _ path: String, code: Int32 = errno) -> MediaTaggingError {
        .fileSystem("Cannot \(operation) \(path): \(String(cString: strerror(code)))")
    }
}
