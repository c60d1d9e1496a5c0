import ArgumentParser
import Foundation
import Glibc
import Logging
import SpoolApp
import SpoolCore
import SpoolStore

/// `spool user add|passwd|list|remove`: the household's accounts from the terminal (works while
/// the server runs: SQLite's WAL lets both write, one at a time).
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Manage accounts: add, passwd, list, remove.",
        subcommands: [Add.self, Passwd.self, List.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account (the first admin takes over the owner account and its likes and history).")
        @Argument(help: "The account's name (1 to 64 characters).") var name: String
        @Option(help: "admin or listener.") var role: String = "listener"
        @Flag(help: "Read the password from the first line of standard input instead of asking.") var passwordStdin = false

        func run() throws {
            guard let role = UserRole(rawValue: role) else { fail("--role must be admin or listener") }
            let accounts = try openAccounts()
            let password = try readPassword(confirm: true, fromStdin: passwordStdin)
            let user = try report {
                // The first admin is the owner (user 1, who holds what Spool recorded before accounts).
                if role == .admin, try accounts.needsOwnerPassword() {
                    return try accounts.claimOwner(name: name, password: password)
                }
                return try accounts.create(name: name, role: role, password: password)
            }
            print("Created \(user.role.rawValue) '\(user.name)' (id \(user.id ?? 0)).")
        }
    }

    struct Passwd: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set an account's password (its sessions end).")
        @Argument(help: "The account's name.") var name: String
        @Flag(help: "Read the password from the first line of standard input instead of asking.") var passwordStdin = false

        func run() throws {
            let accounts = try openAccounts()
            guard let user = try accounts.user(named: name) else { fail("no account named '\(name)'") }
            let password = try readPassword(confirm: true, fromStdin: passwordStdin)
            try report { try accounts.setPassword(of: user.id!, to: password) }
            print("Password of '\(user.name)' set; its sessions ended.")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        func run() throws {
            let users = try openAccounts().users()
            print(["id", "name", "role", "password"].joined(separator: "\t"))
            for user in users {
                print(["\(user.id ?? 0)", user.name, user.role.rawValue, user.passwordHash == nil ? "not set" : "set"].joined(separator: "\t"))
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an account with its sessions, keys, likes and history (the files stay).")
        @Argument(help: "The account's name.") var name: String
        func run() throws {
            let accounts = try openAccounts()
            guard let user = try accounts.user(named: name) else { fail("no account named '\(name)'") }
            try report { try accounts.remove(user.id!) }
            print("Removed '\(user.name)'.")
        }
    }
}

private func openAccounts() throws -> AccountService {
    let settings = try loadSettings()
    let database = try openDatabase(settings)
    try database.migrate(logger: makeLogger(settings))
    return AccountService(database: database, hasher: settings.passwordHasher, logger: Logger(label: "spool.user"))
}

/// Runs `body`; a domain error becomes a one-line message and exit status 1.
private func report<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as DomainError {
        fail("\(error)", status: 1)
    }
}

private func fail(_ message: String, status: Int32 = 2) -> Never {
    FileHandle.standardError.write(Data("spool: \(message)\n".utf8))
    Foundation.exit(status)
}

/// A password from the terminal without echo (asked twice), or from standard input's first line.
private func readPassword(confirm: Bool, fromStdin: Bool) throws -> String {
    if fromStdin || isatty(STDIN_FILENO) == 0 {
        guard let line = readLine(strippingNewline: true) else { fail("no password on standard input") }
        return line
    }
    func ask(_ prompt: String) -> String {
        FileHandle.standardError.write(Data(prompt.utf8))
        var settings = termios()
        tcgetattr(STDIN_FILENO, &settings)
        var quiet = settings
        quiet.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &settings)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
    let password = ask("Password: ")
    if confirm, ask("Password again: ") != password { fail("the passwords differ") }
    return password
}
