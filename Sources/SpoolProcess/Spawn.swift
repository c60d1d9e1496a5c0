import Glibc

// The parent's side of a freshly spawned child: its pid (which is also its process group id),
// the read ends of its stdout and stderr pipes, and the parent's end of its stdin socket (-1 when
// its stdin is /dev/null).
struct SpawnedChild {
    let pid: pid_t
    let stdoutDescriptor: Int32
    let stderrDescriptor: Int32
    let stdinDescriptor: Int32
}

// What a child reads on descriptor 0.
enum StandardInput {
    /// `/dev/null`: one-shot children never read our stdin.
    case null
    /// One end of a Unix stream socket pair, for a session child that reads requests. A socket
    /// rather than a pipe because `send(MSG_NOSIGNAL)` reports a closed reader as `EPIPE`
    /// without raising `SIGPIPE`, whatever this process does with that signal.
    case socket
}

enum Spawn {
    /// Starts the process described by `spec`. On error nothing is left open or running.
    static func start(_ spec: ProcessSpec, input: StandardInput = .null) throws -> SpawnedChild {
        try validate(spec)
        if let directory = spec.workingDirectory {
            try checkWorkingDirectory(directory)
        }

        // Every descriptor made here is closed on every error path; the child's ends are closed
        // in the parent once the child has its copies.
        var opened: [Int32] = []
        func closeAll() { opened.forEach(closeDescriptor) }
        let stdoutPipe: (read: Int32, write: Int32)
        let stderrPipe: (read: Int32, write: Int32)
        var stdinPair: (parent: Int32, child: Int32)?
        do {
            stdoutPipe = try makePipe(for: spec)
            opened += [stdoutPipe.read, stdoutPipe.write]
            stderrPipe = try makePipe(for: spec)
            opened += [stderrPipe.read, stderrPipe.write]
            if input == .socket {
                stdinPair = try makeSocketPair(for: spec)
                opened += [stdinPair!.parent, stdinPair!.child]
            }
        } catch {
            closeAll()
            throw error
        }

        let pid: pid_t
        do {
            pid = try spawn(spec, stdoutPipe: stdoutPipe, stderrPipe: stderrPipe, stdinDescriptor: stdinPair?.child)
        } catch {
            closeAll()
            throw error
        }
        // The child's ends belong to the child; the parent must not keep them, or it would never
        // see end-of-file on the read ends (nor the child on its stdin).
        closeDescriptor(stdoutPipe.write)
        closeDescriptor(stderrPipe.write)
        if let stdinPair { closeDescriptor(stdinPair.child) }
        // Non-blocking only on the parent's ends: the child's stdout stays an ordinary blocking
        // pipe, as programs expect. O_NONBLOCK lives on the open file description, and each end
        // of a pipe has its own.
        setNonBlocking(stdoutPipe.read)
        setNonBlocking(stderrPipe.read)
        if let stdinPair { setNonBlocking(stdinPair.parent) }
        return SpawnedChild(pid: pid, stdoutDescriptor: stdoutPipe.read, stderrDescriptor: stderrPipe.read,
                            stdinDescriptor: stdinPair?.parent ?? -1)
    }

    static func validate(_ spec: ProcessSpec) throws {
        if spec.executablePath.isEmpty {
            throw ChildProcessError.invalidSpecification("the executable path is empty")
        }
        // A NUL would silently cut a C string short and run something other than was asked.
        let strings = [spec.executablePath] + spec.arguments + [spec.workingDirectory ?? ""]
            + (spec.environment.map { $0.flatMap { [$0.key, $0.value] } } ?? [])
        if strings.contains(where: { $0.utf8.contains(0) }) {
            throw ChildProcessError.invalidSpecification("a string contains a NUL byte")
        }
        if let environment = spec.environment, environment.keys.contains(where: { $0.isEmpty || $0.contains("=") }) {
            throw ChildProcessError.invalidSpecification("an environment variable name is empty or contains '='")
        }
        if let limit = spec.timeLimit, limit <= .zero {
            throw ChildProcessError.invalidSpecification("timeLimit must be positive")
        }
        if let limit = spec.stallTimeout, limit <= .zero {
            throw ChildProcessError.invalidSpecification("stallTimeout must be positive")
        }
        if spec.killGrace < .zero {
            throw ChildProcessError.invalidSpecification("killGrace must not be negative")
        }
        if spec.tailLineLimit < 0 {
            throw ChildProcessError.invalidSpecification("tailLineLimit must not be negative")
        }
        if spec.tailByteLimit < 0 {
            throw ChildProcessError.invalidSpecification("tailByteLimit must not be negative")
        }
        if spec.lineByteLimit < 1 {
            throw ChildProcessError.invalidSpecification("lineByteLimit must be at least 1")
        }
        if spec.workingDirectory != nil && GNUFunctions.addChdir == nil {
            throw ChildProcessError.invalidSpecification(
                "workingDirectory needs posix_spawn_file_actions_addchdir_np (glibc 2.29 or later)")
        }
    }

    // posix_spawn reports a failed chdir with the same ENOENT as a missing executable, so the
    // directory is checked first to give the two failures their own errors.
    private static func checkWorkingDirectory(_ path: String) throws {
        var info = stat()
        if stat(path, &info) != 0 {
            throw ChildProcessError.workingDirectoryUnavailable(path: path, errno: errno)
        }
        if info.st_mode & S_IFMT != S_IFDIR {
            throw ChildProcessError.workingDirectoryUnavailable(path: path, errno: ENOTDIR)
        }
        if access(path, X_OK) != 0 {
            throw ChildProcessError.workingDirectoryUnavailable(path: path, errno: errno)
        }
    }

    private static func makePipe(for spec: ProcessSpec) throws -> (read: Int32, write: Int32) {
        guard let pipe2 = GNUFunctions.pipe2 else {
            throw ChildProcessError.systemCallFailed(call: "pipe2 (missing)", path: spec.executablePath, errno: ENOSYS)
        }
        var descriptors: [Int32] = [-1, -1]
        // O_CLOEXEC atomically at creation: another thread may spawn a child at any moment, and
        // pipe() followed by fcntl() would leave a window in which that child inherits our pipe
        // and keeps it open, so we would never see end-of-file.
        if pipe2(&descriptors, O_CLOEXEC) != 0 {
            throw ChildProcessError.systemCallFailed(call: "pipe2", path: spec.executablePath, errno: errno)
        }
        return (descriptors[0], descriptors[1])
    }

    private static func makeSocketPair(for spec: ProcessSpec) throws -> (parent: Int32, child: Int32) {
        var descriptors: [Int32] = [-1, -1]
        // SOCK_CLOEXEC for the same reason as O_CLOEXEC on the pipes.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        if socketpair(AF_UNIX, type, 0, &descriptors) != 0 {
            throw ChildProcessError.systemCallFailed(call: "socketpair", path: spec.executablePath, errno: errno)
        }
        return (descriptors[0], descriptors[1])
    }

    private static func spawn(
        _ spec: ProcessSpec,
        stdoutPipe: (read: Int32, write: Int32),
        stderrPipe: (read: Int32, write: Int32),
        stdinDescriptor: Int32?
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        var code = posix_spawn_file_actions_init(&actions)
        guard code == 0 else {
            throw ChildProcessError.systemCallFailed(call: "posix_spawn_file_actions_init", path: spec.executablePath, errno: code)
        }
        defer { posix_spawn_file_actions_destroy(&actions) }
        code = posix_spawnattr_init(&attributes)
        guard code == 0 else {
            throw ChildProcessError.systemCallFailed(call: "posix_spawnattr_init", path: spec.executablePath, errno: code)
        }
        defer { posix_spawnattr_destroy(&attributes) }

        func check(_ code: Int32, _ call: String) throws {
            if code != 0 {
                throw ChildProcessError.systemCallFailed(call: call, path: spec.executablePath, errno: code)
            }
        }

        // A child must never read our stdin (a service's stdin may be a terminal or a socket):
        // it reads /dev/null, or the socket its session writes requests into.
        if let stdinDescriptor {
            try check(posix_spawn_file_actions_adddup2(&actions, stdinDescriptor, 0), "posix_spawn_file_actions_adddup2")
        } else {
            try check(posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0), "posix_spawn_file_actions_addopen")
        }
        try check(posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1), "posix_spawn_file_actions_adddup2")
        try check(posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2), "posix_spawn_file_actions_adddup2")
        // The originals are close-on-exec already; closing them explicitly keeps the child clean
        // even where exec is not reached the usual way. Descriptors 0-2 were just set up and must
        // stay, which only matters if this process runs with a standard descriptor closed.
        let originals = [stdoutPipe.read, stdoutPipe.write, stderrPipe.read, stderrPipe.write] + (stdinDescriptor.map { [$0] } ?? [])
        for descriptor in originals where descriptor > 2 {
            try check(posix_spawn_file_actions_addclose(&actions, descriptor), "posix_spawn_file_actions_addclose")
        }
        // Other code in this process (SQLite, libevent, libraries) may open descriptors without
        // O_CLOEXEC; close everything above stderr so none of them outlives us in the child.
        if let addCloseFrom = GNUFunctions.addCloseFrom {
            try check(addCloseFrom(&actions, 3), "posix_spawn_file_actions_addclosefrom_np")
        }
        if let directory = spec.workingDirectory, let addChdir = GNUFunctions.addChdir {
            try check(addChdir(&actions, directory), "posix_spawn_file_actions_addchdir_np")
        }

        // The child leads a new process group (pgid == pid), so one kill(-pid) reaches it and
        // everything it starts, such as ffmpeg under yt-dlp. It gets an empty signal mask and
        // default dispositions: ignored signals (a server typically ignores SIGPIPE) would
        // otherwise be inherited across exec.
        let flags = Int32(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        try check(posix_spawnattr_setpgroup(&attributes, 0), "posix_spawnattr_setpgroup")
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        try check(posix_spawnattr_setsigmask(&attributes, &noSignals), "posix_spawnattr_setsigmask")
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        try check(posix_spawnattr_setsigdefault(&attributes, &allSignals), "posix_spawnattr_setsigdefault")
        try check(posix_spawnattr_setflags(&attributes, Int16(truncatingIfNeeded: flags)), "posix_spawnattr_setflags")

        let argv = CStringArray([spec.executablePath] + spec.arguments)
        defer { argv.free() }
        let environment = spec.environment.map { variables in
            CStringArray(variables.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" })
        }
        defer { environment?.free() }

        var pid: pid_t = 0
        let result = posix_spawn(
            &pid, spec.executablePath, &actions, &attributes,
            argv.pointer, environment?.pointer ?? environ)
        switch result {
        case 0:
            // Set from here, not in the child: posix_spawn has no attribute for it. The child
            // runs at its old priority for the moment in between, long before yt-dlp's Python
            // (100 ms to start) runs anything; what it starts later inherits the new one. A
            // failure (a child already gone) changes nothing worth reporting.
            if spec.niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(pid), getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) + spec.niceness) }
            return pid
        case ENOENT, ENOTDIR:
            throw ChildProcessError.executableNotFound(path: spec.executablePath)
        case EACCES, EISDIR, EPERM, ENOEXEC:
            throw ChildProcessError.notExecutable(path: spec.executablePath, errno: result)
        default:
            // glibc reaps the short-lived child itself when exec fails, so no zombie remains.
            throw ChildProcessError.systemCallFailed(call: "posix_spawn", path: spec.executablePath, errno: result)
        }
    }

    private static func setNonBlocking(_ descriptor: Int32) {
        let flags = fcntl(descriptor, F_GETFL)
        if flags >= 0 {
            _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        }
    }
}

func closeDescriptor(_ descriptor: Int32) {
    // Never retry close() on EINTR: on Linux the descriptor is released anyway, and a retry could
    // close a number another thread has just been given.
    _ = close(descriptor)
}

// A NULL-terminated array of C strings that outlives the Swift strings it was made from.
struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointer = .allocate(capacity: strings.count + 1)
        for (index, string) in strings.enumerated() {
            pointer[index] = strdup(string)
        }
        pointer[strings.count] = nil
    }

    func free() {
        for index in 0..<count {
            Glibc.free(pointer[index])
        }
        pointer.deallocate()
    }
}
