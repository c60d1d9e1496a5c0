import Foundation
import SpoolCore

/// What `spool library import` prints while the import runs and when it ends.
///
/// On a terminal, one line redrawn in place (at most 10 times a second):
///
///     [###########.............]  45%  120/266 files  23.5 files/s  adopted 100  known 15  unreadable 5  0:06 left
///
/// Otherwise (a pipe, a log file, cron), a plain line when the status changes and at most every
/// two seconds while it runs, so a log holds the progress without a flood.
final class ImportProgressView {
    let terminal: Bool
    private let output = FileHandle.standardOutput
    private var lastDraw = Date.distantPast
    private var lastStatus: String?
    private var drawn = false
    /// (time, files examined): the rate is taken over the last five seconds.
    private var samples: [(Date, Int)] = []

    init(terminal: Bool) {
        self.terminal = terminal
    }

    /// A line of its own (above the bar on a terminal).
    func note(_ text: String) {
        clear()
        write(text + "\n")
    }

    /// Removes the bar, so an error message starts on a clean line.
    func clear() {
        if terminal && drawn {
            write("\r\u{1B}[2K")
            drawn = false
        }
    }

    func update(_ state: ImportEnding) {
        let now = Date()
        let examined = state.report?.filesExamined ?? 0
        samples.append((now, examined))
        samples.removeAll { now.timeIntervalSince($0.0) > 5 }
        let statusChanged = state.status != lastStatus
        lastStatus = state.status
        if statusChanged, !terminal || state.status != "running" {
            note("Job \(state.jobId): \(state.status)" + (state.lastError.map { " (\($0))" } ?? ""))
        }
        guard state.status == "running", let report = state.report else { return }
        if terminal {
            guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
            lastDraw = now
            write("\r\u{1B}[2K" + barLine(report))
            drawn = true
        } else {
            guard statusChanged || now.timeIntervalSince(lastDraw) >= 2 else { return }
            lastDraw = now
            write(plainLine(report) + "\n")
        }
    }

    /// Files per second over the last five seconds.
    private var rate: Double? {
        guard let first = samples.first, let last = samples.last, last.0.timeIntervalSince(first.0) >= 0.5 else { return nil }
        return Double(last.1 - first.1) / last.0.timeIntervalSince(first.0)
    }

    private func counts(_ report: ImportReport) -> String {
        var parts = ["adopted \(report.adopted)", "known \(report.alreadyKnown)"]
        if report.unreadableCount > 0 { parts.append("unreadable \(report.unreadableCount)") }
        if report.skippedCount > 0 { parts.append("skipped \(report.skippedCount)") }
        return parts.joined(separator: "  ")
    }

    func barLine(_ report: ImportReport) -> String {
        guard let found = report.filesFound else { return "Looking for files in \(report.folder)…" }
        let done = min(report.filesExamined, found)
        let fraction = found == 0 ? 1 : Double(done) / Double(found)
        let width = 24
        let filled = Int((fraction * Double(width)).rounded(.down))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        line += String(format: " %3d%%  %d/%d files", Int(fraction * 100), done, found)
        if let rate { line += String(format: "  %.1f files/s", rate) }
        line += "  " + counts(report)
        if let rate, rate > 0 {
            let left = Int(Double(found - done) / rate)
            line += String(format: "  %d:%02d left", left / 60, left % 60)
        }
        return line
    }

    func plainLine(_ report: ImportReport) -> String {
        guard let found = report.filesFound else { return "Looking for files in \(report.folder)" }
        var line = "Examined \(min(report.filesExamined, found)) of \(found) files"
        if let rate { line += String(format: " (%.1f files/s)", rate) }
        return line + ": " + counts(report).replacingOccurrences(of: "  ", with: ", ")
    }

    /// The report, after the job ended.
    func finish(_ ending: ImportEnding) {
        clear()
        guard let report = ending.report else {
            write("The import (job \(ending.jobId)) ended \(ending.status)" + (ending.lastError.map { ": \($0)" } ?? "") + ".\n")
            return
        }
        let how = report.move ? "moved into the library" : "in place"
        var lines: [String] = []
        switch ending.status {
        case "completed": lines.append("Imported \(report.folder) (\(how), job \(ending.jobId)).")
        default: lines.append("The import of \(report.folder) (job \(ending.jobId)) ended \(ending.status)" + (ending.lastError.map { ": \($0)" } ?? "") + ".")
        }
        lines.append("  \(report.filesExamined) of \(report.filesFound ?? report.filesExamined) files examined")
        lines.append("  \(report.adopted) adopted" + (report.adoptedWithoutSource > 0 ? " (\(report.adoptedWithoutSource) without a source)" : ""))
        lines.append("  \(report.alreadyKnown) already known")
        lines.append("  \(report.unreadableCount) unreadable, \(report.skippedCount) skipped")
        if !report.sourcesCreated.isEmpty {
            lines.append("Sources created, paused (resume them to download what the folder lacks):")
            for source in report.sourcesCreated {
                lines.append("  #\(source.id) \(source.title ?? "(untitled)")  \(source.url)")
            }
        }
        for (title, count, list) in [("Unreadable files", report.unreadableCount, report.unreadable), ("Skipped files", report.skippedCount, report.skipped)] where count > 0 {
            lines.append("\(title):")
            for problem in list { lines.append("  \(problem.path): \(problem.kind): \(problem.reason)") }
            if count > list.count { lines.append("  … and \(count - list.count) more") }
        }
        write(lines.joined(separator: "\n") + "\n")
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }
}
