import ArgumentParser
import Foundation
import Logging
import SpoolApp
import SpoolCore
import SpoolStore

/// The `spool` command: `serve`, `db status|migrate|backup|restore`, `settings`, `user …`, and `library import`.
@main
struct Spool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spool",
        abstract: "Mirror channels into a local library, download them in a persistent queue, and play them in the browser.",
        version: SpoolVersion.current,
        subcommands: [Serve.self, DatabaseCommand.self, SettingsCommand.self, UserCommand.self, LibraryCommand.self],
        defaultSubcommand: Serve.self)
}

/// Loads the settings or exits with status 2 and a one-line message naming the setting.
func loadSettings() throws -> Settings {
    do {
        return try Settings.load()
    } catch {
        FileHandle.standardError.write(Data("spool: \(error)\n".utf8))
        throw ExitCode(2)
    }
}

func makeLogger(_ settings: Settings) -> Logger {
    LogOutput.bootstrap(level: settings.logLevel, format: settings.logFormat)
    return Logger(label: "spool")
}

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server: web app, JSON API, media, live events and the download queue.",
        discussion: "Settings come from environment variables, or from a .env file in the working directory:\n\n"
            + Settings.descriptors.map { d in
                "  \(d.name)\n      \(d.summary) Default: \(d.defaultValue.isEmpty ? "(none)" : d.defaultValue)"
            }.joined(separator: "\n"))

    func run() throws {
        let settings = try loadSettings()
        ProcessMemory.limitMallocArenas(settings.mallocArenas)
        let logger = makeLogger(settings)
        do {
            try SpoolApplication(settings: settings, logger: logger).serve()
        } catch {
            FileHandle.standardError.write(Data("spool: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// `spool settings`: every setting as the README's Markdown table (the README's copy is
/// checked against it by a test).
struct SettingsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings", abstract: "Print every setting, its default and meaning as a Markdown table.")

    func run() throws {
        print(Settings.markdownTable)
    }
}

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Inspect, migrate, back up or restore the database (DB_PATH).",
        subcommands: [Status.self, Migrate.self, Backup.self, Restore.self])

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the database's schema version, journal mode, sizes and job counts as JSON.")
        func run() throws {
            let settings = try loadSettings()
            let database = try openDatabase(settings)
            let status = try database.status()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        }
    }

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending migrations (backing up a populated database first).")
        func run() throws {
            let settings = try loadSettings()
            let database = try openDatabase(settings)
            let backup = try database.migrate(logger: makeLogger(settings))
            if let backup { print("Backup written to \(backup)") }
            print("Schema version: \(try database.status().schemaVersion ?? "none")")
        }
    }

    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a consistent online copy of the database to PATH (safe while Spool runs).")
        @Argument(help: "Where to write the copy; must not exist yet.") var path: String
        func run() throws {
            let settings = try loadSettings()
            do {
                try openDatabase(settings).backup(to: path)
            } catch {
                FileHandle.standardError.write(Data("spool: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("Backup written to \(path)")
        }
    }

    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a backup (the server must be stopped).",
            discussion: "Checks the backup first (PRAGMA integrity_check, and a Spool schema this version knows) and "
                + "refuses while a server holds the database. The current database is kept as "
                + "<DB_PATH>.before-restore-<time> (with its -wal, if any): restore that file to undo.")
        @Argument(help: "The backup to restore (a file of BACKUP_DIR, or one `spool db backup` wrote).") var path: String
        func run() throws {
            let settings = try loadSettings()
            let outcome: DatabaseRestore.Outcome
            do {
                outcome = try DatabaseRestore.restore(backupPath: path, databasePath: settings.databasePath)
            } catch {
                FileHandle.standardError.write(Data("spool: \(error)\n".utf8))
                throw ExitCode(1)
            }
            let contents = outcome.contents
            print("Restored \(settings.databasePath) from \(path): schema \(contents.schemaVersion), "
                + "\(contents.sources) sources, \(contents.tracks) tracks, \(contents.jobs) jobs.")
            if !contents.pendingMigrations.isEmpty {
                print("The next start migrates it (\(contents.pendingMigrations.joined(separator: ", "))).")
            }
            if let aside = outcome.keptAside { print("The previous database is kept as \(aside).") }
            if let state = outcome.litestreamState {
                print("Litestream's state for the replaced database is in \(state): delete it before Litestream starts again, "
                    + "so that it replicates the restored database from a new snapshot.")
            }
        }
    }
}

func openDatabase(_ settings: Settings) throws -> SpoolDatabase {
    try SpoolDatabase(options: DatabaseOptions(
        path: settings.databasePath, maximumReaderCount: settings.databaseReaders,
        busyTimeout: Double(settings.busyTimeoutMilliseconds) / 1000, checkpoints: settings.checkpoints))
}
