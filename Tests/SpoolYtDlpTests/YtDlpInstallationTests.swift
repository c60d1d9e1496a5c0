import Foundation
import XCTest
@testable import SpoolYtDlp

final class YtDlpInstallationTests: XCTestCase {
    private var root = ""

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "spool-ytdlp-" + UUID().uuidString
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A virtual environment as `python -m venv` lays it out, with yt-dlp `version` installed.
    private func makeEnvironment(version: String) throws -> String {
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/venv/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/venv/lib/python3.11/site-packages/yt_dlp-\(version).dist-info", withIntermediateDirectories: true)
        _ = files.createFile(atPath: root + "/venv/pyvenv.cfg", contents: Data("home = /usr/bin\n".utf8))
        try files.createSymbolicLink(atPath: root + "/venv/bin/python3", withDestinationPath: "/usr/bin/python3")
        _ = files.createFile(atPath: root + "/venv/bin/yt-dlp", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        return root + "/venv/bin/yt-dlp"
    }

    private func makeOverlay(version: String) throws -> String {
        let overlay = root + "/overlay"
        try FileManager.default.createDirectory(atPath: overlay + "/yt_dlp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: overlay + "/yt_dlp-\(version).dist-info", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: overlay + "/yt_dlp/__init__.py", contents: Data())
        return overlay
    }

    func testAVirtualEnvironmentRunsItsOwnInterpreterWithTheOverlayFirst() throws {
        let executable = try makeEnvironment(version: "2026.11.23")
        let overlay = try makeOverlay(version: "2026.12.01")
        let installation = YtDlpInstallation(executable: executable, overlay: overlay, runtimePath: nil)
        XCTAssertEqual(installation.python, root + "/venv/bin/python3")
        XCTAssertNil(installation.notUpdatableReason)
        XCTAssertEqual(installation.activeOverlay, overlay)
        let spec = installation.command(["--version"])
        XCTAssertEqual(spec.executablePath, root + "/venv/bin/python3")
        XCTAssertEqual(spec.arguments, ["-m", "yt_dlp", "--version"])
        XCTAssertEqual(spec.environment?["PYTHONPATH"], overlay)
    }

    /// A newer yt-dlp in the environment (a new image) is not hidden by an older update.
    func testAnOverlayOlderThanTheEnvironmentIsNotUsed() throws {
        let executable = try makeEnvironment(version: "2026.11.23")
        let overlay = try makeOverlay(version: "2025.11.12")
        let installation = YtDlpInstallation(executable: executable, overlay: overlay, runtimePath: nil)
        XCTAssertNil(installation.activeOverlay)
        XCTAssertNil(installation.command(["--version"]).environment?["PYTHONPATH"])
    }

    func testAnExecutableOutsideAnEnvironmentRunsAsItIsAndIsNotUpdated() throws {
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: root + "/bin/yt-dlp", contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        let installation = YtDlpInstallation(executable: root + "/bin/yt-dlp", overlay: root + "/overlay", runtimePath: nil)
        XCTAssertNil(installation.python)
        XCTAssertNotNil(installation.notUpdatableReason)
        XCTAssertEqual(installation.command(["-j"]).executablePath, root + "/bin/yt-dlp")
    }

    /// Every yt-dlp (listings, downloads, drivers, in or out of an environment) carries the
    /// installation's niceness (`DOWNLOAD_NICENESS`).
    func testEveryCommandRunsAtTheInstallationsNiceness() throws {
        let inEnvironment = YtDlpInstallation(executable: try makeEnvironment(version: "2026.11.23"), overlay: nil, runtimePath: nil, niceness: 10)
        let plain = YtDlpInstallation(executable: "/usr/bin/true", overlay: nil, runtimePath: nil, niceness: 4)
        XCTAssertEqual(inEnvironment.command(["-j"]).niceness, 10)
        XCTAssertEqual(plain.command(["--version"]).niceness, 4)
        XCTAssertEqual(YtDlpInstallation(executable: "/usr/bin/true", overlay: nil, runtimePath: nil).command([]).niceness, 0)
    }

    /// `JS_RUNTIME_PATH` wins over the Deno beside yt-dlp; yt-dlp's name comes from the binary.
    func testTheConfiguredRuntimeIsNamedAsYtDlpNamesIt() throws {
        let executable = try makeEnvironment(version: "2026.11.23")
        for (file, name) in [("deno", "deno"), ("node", "node"), ("qjs", "quickjs"), ("bun", "bun")] {
            let path = root + "/runtimes/\(file)"
            try FileManager.default.createDirectory(atPath: root + "/runtimes", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: path, contents: Data("#!/bin/sh\necho \(file) 1.2.3\n".utf8), attributes: [.posixPermissions: 0o755])
            let runtime = try XCTUnwrap(YtDlpInstallation(executable: executable, overlay: nil, runtimePath: path).runtime)
            XCTAssertEqual(runtime.name, name)
            XCTAssertEqual(runtime.path, path)
            XCTAssertEqual(runtime.version, "1.2.3")
        }
        let arguments = YtDlpArguments.listing("https://a.test/c", options: YtDlpOptions(),
                                               runtime: JSRuntime(name: "node", path: "/usr/bin/node", version: nil))
        XCTAssertEqual(Array(arguments.prefix(7).suffix(2)), ["--no-js-runtimes", "--js-runtimes"], arguments.description)
    }

    func testVersionsCompareByTheirNumbers() {
        XCTAssertEqual(YtDlpUpdater.compare("2026.11.23", "2026.9.30"), .orderedDescending)
        XCTAssertEqual(YtDlpUpdater.compare("2026.12.01.232812", "2026.12.01"), .orderedDescending)
        XCTAssertEqual(YtDlpUpdater.compare("2025.11.12", "2025.11.12"), .orderedSame)
    }
}
