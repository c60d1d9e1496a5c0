import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The C allocator's settings for the server process.
///
/// glibc gives each thread that allocates while another holds an arena a new one, up to 8 per
/// core, and memory freed in an arena mostly stays with it. The server's threads (HTTP work
/// queue, readers, job workers) each end up with their own, so the resident size grows with
/// thread count rather than with what is in use: at 100,000 tracks the server measured 80–99 MiB
/// resident with glibc's default and 64–67 MiB with two arenas (`scripts/bench/scale.py`,
/// docs/benchmarks.md). The threads mostly wait on SQLite and sockets, so two arenas cost no
/// measurable lock contention on the endpoints' times.
public enum ProcessMemory {
    /// Limits malloc to `arenas` arenas (`MALLOC_ARENAS`); 0 leaves glibc's default. Call it
    /// first thing, before other threads allocate: arenas already made stay. A
    /// `MALLOC_ARENA_MAX` in the environment (glibc's own knob) wins over the setting.
    public static func limitMallocArenas(_ arenas: Int) {
        #if canImport(Glibc)
        guard arenas > 0, ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
              let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        // `mallopt` lives in <malloc.h>, which Swift's Glibc module does not import.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mArenaMax, Int32(arenas))
        #endif
    }

    /// `M_ARENA_MAX` of <malloc.h>.
    private static let mArenaMax: Int32 = -8

    /// How many arenas the C allocator has made (the `<heap nr=…>` elements of glibc's
    /// `malloc_info`), for `/metrics`; nil where there is no `malloc_info`. At most
    /// `MALLOC_ARENAS`; with glibc's default, about one per thread that allocated, up to 8 per core.
    public static func arenaCount() -> Int? {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_info") else { return nil }
        typealias MallocInfo = @convention(c) (Int32, UnsafeMutablePointer<FILE>?) -> Int32
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        let status = unsafeBitCast(symbol, to: MallocInfo.self)(0, stream)
        fclose(stream)
        defer { free(buffer) }
        guard status == 0, let buffer else { return nil }
        return String(cString: buffer).components(separatedBy: "<heap nr=").count - 1
        #else
        return nil
        #endif
    }

    /// The process's resident size in bytes (`/proc/self/statm`'s second field, in pages), or
    /// nil where there is no `/proc`.
    public static func residentBytes() -> Int? {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = statm.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
