// Cost of Spool's credential checks, each beside a reference measured in the same run:
// Argon2id with the default parameters through libargon2 (what sign-in costs) beside the same
// parameters through argon2-cffi (an independent build of the reference code), the cost of a
// 10 MB password, and the per-request checks of session ids, API keys and Subsonic tokens.
//
//     swift run -c release spool-auth-bench [runs]     (from the repository root, with .venv)
import Foundation
import SpoolAuth

let runs = CommandLine.arguments.count > 1 ? max(1, Int(CommandLine.arguments[1]) ?? 7) : 7
let parameters = Argon2Parameters.default

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func summary(_ samples: [Double]) -> String {
    let sorted = samples.sorted()
    return String(format: "median %.1f ms, min %.1f ms, max %.1f ms over %d", sorted[sorted.count / 2] * 1e3, sorted[0] * 1e3, sorted[sorted.count - 1] * 1e3, sorted.count)
}

/// Runs `script` in the project's Python environment and returns its standard output.
func python(_ script: String) -> String? {
    let path = FileManager.default.currentDirectoryPath + "/.venv/bin/python"
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = ["-c", script]
    let output = Pipe()
    process.standardOutput = output
    do { try process.run() } catch { return nil }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { return nil }
    var text = String(decoding: data, as: UTF8.self)
    while text.hasSuffix("\n") { text.removeLast() }
    return text
}

print("Argon2id, \(parameters), \(ProcessInfo.processInfo.activeProcessorCount) cores")

let hasher = PasswordHasher.standard
var stored = ""
var hashSamples: [Double] = []
for _ in 0..<runs { hashSamples.append(try seconds { stored = try hasher.hash("correct horse battery staple") }) }
print("  hash    Spool (libargon2, Debian):  \(summary(hashSamples))")
var verifySamples: [Double] = []
for _ in 0..<runs {
    verifySamples.append(try seconds {
        let matches = try hasher.verify("correct horse battery staple", against: stored)
        precondition(matches)
    })
}
print("  verify  Spool (libargon2, Debian):  \(summary(verifySamples))")

let referenceScript = """
import time, argon2
from argon2.low_level import hash_secret_raw, Type
def run(password, n):
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        hash_secret_raw(password, b"0123456789abcdef", time_cost=\(parameters.iterations), memory_cost=\(parameters.memoryKiB), parallelism=\(parameters.parallelism), hash_len=32, type=Type.ID)
        samples.append(time.perf_counter() - start)
    samples.sort()
    return "median %.1f ms, min %.1f ms, max %.1f ms over %d" % (samples[len(samples) // 2] * 1e3, samples[0] * 1e3, samples[-1] * 1e3, len(samples))
from importlib.metadata import version
print("  hash    argon2-cffi %s (reference): %s" % (version("argon2-cffi"), run(b"correct horse battery staple", \(runs))))
print("  hash    a 10 MB password, argon2-cffi: %s" % run(b"x" * 10_000_000, 3))
"""
print(python(referenceScript) ?? "  (reference skipped: no .venv/bin/python with argon2-cffi; run scripts/setup.sh test)")

// Per-request checks: what every request with a session cookie, API key or Subsonic token costs.
let rounds = 100_000
let token = Secrets.newAPIKey()
let digest = TokenDigest(of: token)
let digestTime = seconds { for _ in 0..<rounds { precondition(digest.matches(token)) } }
let credentials = SubsonicCredentials.token(username: "joe", token: "26719a1196d2a940705a59634eb18eab", salt: "c19b2d")
let subsonicTime = seconds { for _ in 0..<rounds { precondition(credentials.matches(subsonicPassword: "sesame")) } }
print(String(format: "Per request: API key / session id SHA-256 check %.2f µs, Subsonic md5 token check %.2f µs (%d rounds each), against %.0f µs for one Argon2id",
             digestTime / Double(rounds) * 1e6, subsonicTime / Double(rounds) * 1e6, rounds, hashSamples.sorted()[runs / 2] * 1e6))
