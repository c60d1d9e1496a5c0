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
}
