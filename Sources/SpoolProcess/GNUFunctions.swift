import Glibc

// Swift's Glibc module is built without _GNU_SOURCE, so the GNU extensions this module relies on
// (pipe2, posix_spawn_file_actions_addchdir_np, posix_spawn_file_actions_addclosefrom_np) are not
// imported. The target may not depend on a C shim, so they are looked up at run time and called
// through C function pointers, which keeps the C calling convention exact.
enum GNUFunctions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>?, Int32) -> Int32
    typealias AddChdir = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>?, UnsafePointer<CChar>?
    ) -> Int32
    typealias AddCloseFrom = @convention(c) (
        UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32
    ) -> Int32

    /// pipe2(2), glibc 2.9+.
    static let pipe2: Pipe2? = lookUp("pipe2")
    /// posix_spawn_file_actions_addchdir_np, glibc 2.29+.
    static let addChdir: AddChdir? = lookUp("posix_spawn_file_actions_addchdir_np")
    /// posix_spawn_file_actions_addclosefrom_np, glibc 2.34+.
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<F>(_ name: String) -> F? {
        // A nil handle is RTLD_DEFAULT on glibc: search the global symbol scope.
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }
}

func errorMessage(_ code: Int32) -> String {
    // glibc's strerror is thread-safe since 2.32 (unknown codes use a thread-local buffer).
    String(cString: strerror(code))
}
