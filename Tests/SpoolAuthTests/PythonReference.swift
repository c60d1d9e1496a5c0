import Foundation
import XCTest

/// Runs a Python script in the worktree's `.venv` (made by `scripts/setup.sh test`, which
/// installs argon2-cffi from Tests/e2e/requirements.txt): the independent implementation the
/// interoperability tests compare against. JSON in on stdin, JSON out on stdout.
enum PythonReference {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let interpreter = repositoryRoot.appendingPathComponent(".venv/bin/python").path

    static func run<Input: Encodable, Output: Decodable>(
        _ script: String, input: Input, as output: Output.Type, file: StaticString = #filePath, line: UInt = #line
    ) throws -> Output {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            XCTFail("no \(interpreter): run scripts/setup.sh test (it installs argon2-cffi)", file: file, line: line)
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter)
        process.arguments = ["-c", script]
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        try stdin.fileHandleForWriting.write(contentsOf: JSONEncoder().encode(input))
        try stdin.fileHandleForWriting.close()
        let data = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            XCTFail("the Python reference failed (\(process.terminationStatus)): \(errors)", file: file, line: line)
            throw CocoaError(.executableLoad)
        }
        return try JSONDecoder().decode(Output.self, from: data)
    }
}
