import Foundation
import Glibc
import XCTest
@testable import SpoolProcess

// Shared helpers: real processes only, so these read /proc and send real signals.

func shell(_ script: String, configure: (inout ProcessSpec) -> Void = { _ in }) -> ProcessSpec {
    var spec = ProcessSpec(executablePath: "/bin/sh", arguments: ["-c", script])
    configure(&spec)
    return spec
}

/// Runs `spec` and returns the outcome together with every line delivered to `onLine`.
func runCollecting(
    _ spec: ProcessSpec,
    cancellation: ProcessCancellation? = nil
) throws -> (outcome: ProcessOutcome, lines: [OutputLine]) {
    var lines: [OutputLine] = []
    let outcome = try ChildProcess.run(spec, cancellation: cancellation) { stream, text in
        lines.append(OutputLine(stream: stream, text: text))
    }
    return (outcome, lines)
}

/// The absolute path of a program found on PATH (pyenv and friends put python3 in odd places).
func executableOnPath(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
}

/// This process's open descriptors as "number -> target", so a failed comparison names what
/// leaked. Left out: the listing's own descriptor (a link to this very directory, or gone by
/// the time its link is read: any descriptor closed during the listing), and libdispatch's
/// event-loop descriptors (`anon_inode:[timerfd]`, `[eventfd]`, `[eventpoll]`), which it
/// opens lazily on its own threads when a timer of another clock is first armed; SpoolProcess
/// opens none of those (a missing-executable test saw a timerfd appear at 22 between its two
/// listings, and the listing's own descriptor move from 22 to 24).
///
/// Tests that compare two listings warm up first: the first spawn in a fresh process may open
/// descriptors that live as long as the process (`swift test --parallel` runs each test in a
/// process of its own, and a missing-executable test saw 23 then 24 there).
func openDescriptors() -> [String] {
    let directory = "/proc/self/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["unreadable"]
    return names.compactMap { name -> (Int, String)? in
        guard let number = Int(name) else { return nil }
        guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)") else { return nil }
        if target.hasPrefix("/proc/") && target.hasSuffix("/fd") { return nil }
        if ["anon_inode:[timerfd]", "anon_inode:[eventfd]", "anon_inode:[eventpoll]"].contains(target) { return nil }
        return (number, target)
    }
    .sorted { $0.0 < $1.0 }
    .map { "\($0.0) -> \($0.1)" }
}

/// Whether `pid` no longer runs. A zombie whose parent is not us also counts as gone: in a
/// container whose PID 1 never reaps orphans, a killed grandchild stays a zombie of PID 1
/// forever, which kill(pid, 0) still reports as existing.
func processIsGone(_ pid: pid_t) -> Bool {
    if kill(pid, 0) != 0 && errno == ESRCH { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return true }
    let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
    guard fields.count > 1 else { return true }
    return fields[0] == "Z" && Int32(fields[1]) != getpid()
}

/// Waits up to `timeout` for `pid` to be gone; SIGKILL delivery is asynchronous.
func waitUntilGone(_ pid: pid_t, timeout: TimeInterval = 1) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if processIsGone(pid) { return true }
        usleep(10_000)
    }
    return processIsGone(pid)
}

/// Whether this process has a child waiting to be reaped (a zombie we own). Reaps it if so,
/// so that one failing test does not fail the next.
func reapStrayZombie() -> pid_t? {
    var status: Int32 = 0
    let pid = waitpid(-1, &status, WNOHANG)
    return pid > 0 ? pid : nil
}

func seconds(_ duration: Duration) -> Double {
    let (whole, fraction) = duration.components
    return Double(whole) + Double(fraction) / 1e18
}

func residentKiB(_ field: String) -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return -1 }
    for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
        return Int(line.split(separator: " ", omittingEmptySubsequences: true)[1]) ?? -1
    }
    return -1
}

/// Resets the peak resident set size (VmHWM) of this process to its current size.
func resetPeakResidentSize() {
    if let handle = FileHandle(forWritingAtPath: "/proc/self/clear_refs") {
        handle.write(Data("5".utf8))
        try? handle.close()
    }
}

/// A moment set on one thread and read on another.
final class Timestamp: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Date?
    func set(_ date: Date) { lock.withLock { value = date } }
    func get() -> Date? { lock.withLock { value } }
}
