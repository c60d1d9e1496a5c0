import Dispatch
import Foundation
import Logging
import SpoolCore
import SpoolStore
import Synchronization

/// `spool library import DIR [--move]` (the argument parsing is in `Sources/spool/main.swift`):
/// adopts an existing library (a folder of yt-dlp downloads, another tool's, or Spool's own
/// after the database was lost).
///
/// When a Spool server runs on the database, the import is sent to it (`POST
/// /api/library/import`, with `AUTH_TOKEN`) and followed there: one process writes the
/// database. Otherwise the import runs in this process, as the same kind of job, so a server
/// started later finishes it if this process is killed. Either way the terminal shows progress:
/// a bar with counts and rate when standard output is a terminal, a line every two seconds
/// otherwise; then the report. Ctrl-C cancels the import (what was adopted stays; running it
/// again goes on).
public enum LibraryImportCommand {
    /// Runs the import of `folder` (relative to the working directory, or absolute) and prints
    /// its report. Returns the exit status: 0 when the import completed (unreadable files
    /// included), 1 when it failed or was cancelled, 2 when the folder or settings are refused.
    public static func run(settings: Settings, folder: String, move: Bool) -> Int32 {
        let path = absolute(folder)
        let view = ImportProgressView(terminal: isatty(STDOUT_FILENO) == 1)
        let interrupt = Interrupt()
        let ending: ImportEnding
        do {
            if let server = try RunningServer.find(settings) {
                view.note("A Spool server runs on this database (\(server.host):\(server.port)); the import runs there.")
                ending = try ImportThroughServer(client: server, view: view, interrupt: interrupt).run(path: path, move: move)
            } else {
                ending = try runHere(settings: settings, path: path, move: move, view: view, interrupt: interrupt)
            }
        } catch let refusal as ImportRefusal {
            view.clear()
            FileHandle.standardError.write(Data("spool: \(refusal.message)\n".utf8))
            return refusal.exitCode
        } catch {
            view.clear()
            FileHandle.standardError.write(Data("spool: \(error)\n".utf8))
            return 1
        }
        view.finish(ending)
        return ending.status == "completed" ? 0 : 1
    }

    /// No server: the import runs here, on a worker of its own.
    static func runHere(settings: Settings, path: String, move: Bool, view: ImportProgressView, interrupt: Interrupt) throws -> ImportEnding {
        do {
            _ = try ImportService.validatedFolder(path, move: move, libraryDirectory: settings.libraryDirectory)
        } catch {
            throw ImportRefusal(message: "\(error)", exitCode: 2)
        }
        // Errors only: the progress owns the terminal, the report says what the import found,
        // and the server's own warnings (yt-dlp missing, say) do not concern an import.
        LogOutput.bootstrap(level: max(settings.logLevel, .error), format: settings.logFormat)
        let logger = Logger(label: "spool")
        let application: SpoolApplication
        do {
            application = try SpoolApplication(settings: settings, logger: logger)
            try application.database.migrate(logger: logger)
        } catch {
            throw ImportRefusal(message: "\(error)", exitCode: 1)
        }
        defer { try? application.database.close() }
        view.note("No Spool server runs on \(settings.databasePath); importing in this process.")
        do {
            let (job, report) = try application.domain.imports.runHere(path: path, move: move) { job, report in
                view.update(ImportEnding(jobId: job.id ?? 0, status: job.status.rawValue, lastError: job.lastError, report: report))
                return !interrupt.happened
            }
            return ImportEnding(jobId: job.id ?? 0, status: job.status.rawValue, lastError: job.lastError, report: report)
        } catch let error as DomainError {
            if case .invalid = error { throw ImportRefusal(message: "\(error)", exitCode: 2) }
            throw ImportRefusal(message: "\(error)", exitCode: 1)
        }
    }

    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: full).standardizedFileURL.path
    }
}

/// Why the command stops before or instead of importing.
struct ImportRefusal: Error {
    let message: String
    let exitCode: Int32
}

/// How an import ended (or stands, while it runs).
struct ImportEnding {
    let jobId: Int64
    let status: String
    let lastError: String?
    let report: ImportReport?
}

/// Ctrl-C, noticed instead of ending the process: the import is cancelled cleanly.
final class Interrupt: @unchecked Sendable {
    private let flag = Mutex(false)
    /// Kept for the process's life; only read here (Dispatch sources are thread-safe).
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "spool.interrupt"))
        source.setEventHandler { [self] in
            flag.withLock { $0 = true }
            FileHandle.standardError.write(Data("\nCancelling the import…\n".utf8))
        }
        source.resume()
    }

    var happened: Bool { flag.withLock { $0 } }
}

/// A Spool server answering on the port of the settings with this database.
enum RunningServer {
    static func find(_ settings: Settings) throws -> LocalHTTPClient? {
        // A server on an ephemeral port (PORT=0) cannot be found from its settings.
        guard settings.port != 0 else { return nil }
        var host = settings.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        let client = LocalHTTPClient(host: host, port: settings.port, token: settings.authToken, timeoutSeconds: 10)
        let health: LocalHTTPClient.Response
        do {
            health = try client.get("/api/health")
        } catch let failure as LocalHTTPClient.Failure where failure.refused {
            return nil
        } catch {
            if settings.tls != nil {
                throw ImportRefusal(message: """
                    A server listens on \(host):\(settings.port) with TLS, which this command cannot speak. Start the import \
                    there: curl -X POST https://\(host):\(settings.port)/api/library/import -H 'Authorization: Bearer …' \
                    -d '{"path": "…", "move": false}', or from the web app.
                    """, exitCode: 2)
            }
            return nil  // Something else answers there, not a Spool server.
        }
        if health.status == 401 || health.status == 403 {
            // An import is an admin's action; AUTH_TOKEN acts as the owner.
            throw ImportRefusal(message: """
                A Spool server runs on \(host):\(settings.port) and refused \(settings.authToken == nil ? "a request without a token" : "the access token") \
                (\(health.status)): set AUTH_TOKEN as the server has it.
                """, exitCode: 2)
        }
        guard let database = health.json()?["database"] as? [String: Any], let path = database["path"] as? String else {
            return nil
        }
        guard sameFile(path, settings.databasePath) else {
            throw ImportRefusal(message: """
                A Spool server runs on \(host):\(settings.port) with another database (\(path), here DB_PATH is \
                \(settings.databasePath)). Run this command with that server's settings, or stop it.
                """, exitCode: 2)
        }
        return client
    }

    private static func sameFile(_ a: String, _ b: String) -> Bool {
        func resolved(_ path: String) -> String {
            let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
            guard let pointer = realpath(full, nil) else { return URL(fileURLWithPath: full).standardizedFileURL.path }
            defer { free(pointer) }
            return String(cString: pointer)
        }
        return resolved(a) == resolved(b)
    }
}

/// Sends the import to the running server and follows its job.
struct ImportThroughServer {
    let client: LocalHTTPClient
    let view: ImportProgressView
    let interrupt: Interrupt

    func run(path: String, move: Bool) throws -> ImportEnding {
        let answer = try request { try client.post("/api/library/import", json: ["path": path, "move": move]) }
        guard answer.status == 202 || answer.status == 200, let id = (answer.json()?["id"] as? NSNumber)?.int64Value else {
            throw ImportRefusal(message: answer.errorMessage, exitCode: answer.status == 400 || answer.status == 401 ? 2 : 1)
        }
        view.note(answer.status == 202 ? "Queued as job \(id)." : "This import was already running as job \(id); following it.")
        var cancelled = false
        while true {
            let detail = try request { try client.get("/api/jobs/\(id)") }
            guard detail.status == 200, let object = detail.json() else {
                throw ImportRefusal(message: "Following job \(id) failed: \(detail.errorMessage)", exitCode: 1)
            }
            let ending = ImportEnding(
                jobId: id, status: object["status"] as? String ?? "unknown", lastError: object["last_error"] as? String,
                report: Self.report(object["report"]))
            view.update(ending)
            if ["completed", "failed", "cancelled", "timeout", "dead_letter"].contains(ending.status) { return ending }
            if interrupt.happened && !cancelled {
                cancelled = true
                _ = try? client.request("POST", "/api/jobs/\(id)/cancel", body: nil)
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
    }

    private func request(_ call: () throws -> LocalHTTPClient.Response) throws -> LocalHTTPClient.Response {
        do {
            return try call()
        } catch {
            throw ImportRefusal(message: "The server stopped answering: \(error)", exitCode: 1)
        }
    }

    /// The report of `GET /api/jobs/{id}` (snake_case, ISO 8601 dates).
    static func report(_ value: Any?) -> ImportReport? {
        guard let value, !(value is NSNull), let data = try? JSONSerialization.data(withJSONObject: value) else { return nil }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(ImportReport.self, from: data)
    }
}
