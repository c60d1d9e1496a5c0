import Foundation
import XCTest
@testable import SpoolProcess

/// A small session child for the tests: Python (stdlib), written to a temporary file. It reads
/// requests `<id> <command> [argument]` from stdin and ends each answer with `END <id> 0`,
/// except where a command says otherwise:
///
///     echo TEXT     "out TEXT" on stdout, "err TEXT" on stderr
///     pid           its process id
///     stderr N      N lines on stderr, written before the marker
///     partial       "partial" on stdout without a newline, then the marker
///     flood N       N lines of 100 bytes on stdout (through `yes | head`), then the marker
///     forever       lines on stdout, forever, no marker
///     hang          "hanging", then sleeps, no marker
///     hang-no-term  ignores SIGTERM, starts a grandchild `sleep`, prints its pid, then sleeps
///     grandchild    starts a grandchild `sleep` in the background, prints its pid, marker
///     late-marker   "waiting", then sleeps; on SIGTERM writes its marker and exits
///     die CODE      "dying" on stderr, then exits with CODE
///     retire        closes stdin (the driver's way to retire), marker, exits
///     quit          marker, then exits without closing stdin first
enum SessionChild {
    static let script = #"""
    import os, signal, subprocess, sys, time
    requests = os.fdopen(0, "rb", buffering=0)

    def read_line():
        line = b""
        while not line.endswith(b"\n"):
            byte = requests.read(1)
            if not byte:
                return None
            line += byte
        return line.decode().rstrip("\n")

    def out(text):
        sys.stdout.write(text + "\n"); sys.stdout.flush()

    def err(text):
        sys.stderr.write(text + "\n"); sys.stderr.flush()

    def end(request_id, status=0):
        sys.stderr.flush()
        os.write(1, f"\rEND {request_id} {status}\n".encode())

    while True:
        line = read_line()
        if line is None:
            sys.exit(0)
        request_id, command, *rest = line.split(" ", 2)
        argument = rest[0] if rest else ""
        if command == "echo":
            out("out " + argument); err("err " + argument); end(request_id)
        elif command == "pid":
            out(str(os.getpid())); end(request_id)
        elif command == "stderr":
            for index in range(int(argument)):
                sys.stderr.write(f"stderr line {index}\n")
            end(request_id)
        elif command == "partial":
            sys.stdout.write("partial"); sys.stdout.flush(); end(request_id)
        elif command == "flood":
            line = "flood " + "x" * 93
            subprocess.run(f"yes {line} | head -n {int(argument)}", shell=True, check=True, stdin=subprocess.DEVNULL)
            end(request_id)
        elif command == "forever":
            while True:
                sys.stdout.write("still going " + "x" * 80 + "\n")
        elif command == "hang":
            out("hanging"); time.sleep(1000)
        elif command == "hang-no-term":
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            sleeper = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL)
            out(str(sleeper.pid)); time.sleep(1000)
        elif command == "grandchild":
            sleeper = subprocess.Popen(["sleep", "1000"], stdin=subprocess.DEVNULL)
            out(str(sleeper.pid)); end(request_id)
        elif command == "late-marker":
            def answer_late(number, frame, request_id=request_id):
                end(request_id); sys.exit(0)
            signal.signal(signal.SIGTERM, answer_late)
            out("waiting"); time.sleep(1000)
        elif command == "die":
            err("dying"); os._exit(int(argument))
        elif command == "retire":
            requests.close(); end(request_id); sys.exit(0)
        elif command == "quit":
            end(request_id); sys.exit(0)
        else:
            err("unknown command " + command); end(request_id, 2)
    """#

    /// The script's path, written once per test process.
    static let path: String = {
        let path = NSTemporaryDirectory() + "spool-session-child-\(getpid()).py"
        try! Data(script.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }()

    static func spec(configure: (inout ProcessSpec) -> Void = { _ in }) throws -> ProcessSpec {
        let python = try XCTUnwrap(executableOnPath("python3"), "python3 is needed")
        var spec = ProcessSpec(executablePath: python, arguments: ["-u", path], killGrace: .seconds(1))
        configure(&spec)
        return spec
    }
}

private let requestCounter = Counter()

/// A request for `SessionChild`, with a fresh id.
func sessionRequest(_ command: String, timeLimit: Duration? = nil, stallTimeout: Duration? = nil) -> SessionRequest {
    let id = "r\(requestCounter.next())"
    return SessionRequest(line: "\(id) \(command)", endMarkerPrefix: "END \(id) ",
                          timeLimit: timeLimit, stallTimeout: stallTimeout)
}

/// Performs `request` and returns the outcome together with every line delivered to `onLine`.
func performCollecting(
    _ session: ProcessSession,
    _ request: SessionRequest,
    cancellation: ProcessCancellation? = nil
) throws -> (outcome: SessionOutcome, lines: [OutputLine]) {
    var lines: [OutputLine] = []
    let outcome = try session.perform(request, cancellation: cancellation) { stream, text in
        lines.append(OutputLine(stream: stream, text: text))
    }
    return (outcome, lines)
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.withLock { value += 1; return value } }
}
