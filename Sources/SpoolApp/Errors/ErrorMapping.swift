import Foundation
import GRDB
import SpoolCore
import SpoolHTTP
import SpoolJobs
import SpoolStore
import Synchronization

/// The edge between the domain's errors and HTTP, in one place (as Hummingbird's
/// `HTTPResponseError`): every route collection registers its handlers through `Routes`, which
/// maps what they throw. What maps to nothing is an internal error, answered by the server as
/// an opaque 500 with a request id.
///
/// The database's own troubles never reach a user in SQLite's words: a full disk is 507 and a
/// lock held by another program past the busy timeout is 503, both with `Retry-After`, and
/// both counted for `/api/health`.
enum ErrorMapping {
    static func httpError(for error: any Error) -> HTTPError? {
        switch error {
        case let error as HTTPError:
            return error
        case let error as DomainError:
            switch error {
            case .notFound(let message): return .notFound(message)
            case .invalid(let field, let message):
                return HTTPError(status: 400, code: "invalid_field", message: "'\(field)': \(message)")
            case .conflict(let message): return .conflict(message)
            case .unavailable(let message):
                return HTTPError(status: 503, code: "unavailable", message: message, headers: ["Retry-After": "30"])
            }
        case let error as JobQueueError:
            switch error {
            case .notFound: return .notFound(error.description)
            case .conflict: return .conflict(error.description)
            case .invalid: return HTTPError(status: 400, code: "invalid_field", message: error.description)
            }
        case let error as StoreError:
            StorageErrors.shared.count(.databaseGone)
            return HTTPError(status: 503, code: "database_unavailable", message: error.description, headers: ["Retry-After": "60"])
        case let error as DatabaseError:
            return databaseError(error)
        default:
            return nil
        }
    }

    private static func databaseError(_ error: DatabaseError) -> HTTPError? {
        switch error.resultCode {
        case .SQLITE_FULL:
            StorageErrors.shared.count(.diskFull)
            return HTTPError(status: 507, code: "disk_full",
                             message: "The disk that holds Spool's database is full; nothing was saved. Free some space and try again.",
                             headers: ["Retry-After": "60"])
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            StorageErrors.shared.count(.databaseBusy)
            return HTTPError(status: 503, code: "database_busy",
                             message: "Another program is holding Spool's database; nothing was saved. Try again in a moment.",
                             headers: ["Retry-After": "2"])
        case .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CANTOPEN:
            StorageErrors.shared.count(.databaseUnavailable)
            return HTTPError(status: 503, code: "database_unavailable",
                             message: "Spool cannot write its database (read-only or failing storage); nothing was saved.",
                             headers: ["Retry-After": "60"])
        default:
            return nil
        }
    }
}

/// How often storage refused a request since start-up, for `/api/health`.
final class StorageErrors: Sendable {
    enum Kind: String, CaseIterable { case diskFull = "disk_full", databaseBusy = "database_busy", databaseUnavailable = "database_unavailable", databaseGone = "database_gone" }

    static let shared = StorageErrors()
    private let counts = Mutex<[String: Int]>([:])

    func count(_ kind: Kind) {
        counts.withLock { $0[kind.rawValue, default: 0] += 1 }
    }

    var snapshot: [String: Int] {
        counts.withLock { counts in
            Dictionary(uniqueKeysWithValues: Kind.allCases.map { ($0.rawValue, counts[$0.rawValue] ?? 0) })
        }
    }
}

/// A route collection's way to register handlers: the router's methods, with every error
/// mapped by `ErrorMapping`. Handlers stay thin: parse, call the domain, shape the reply.
struct Routes {
    var router: Router

    init(_ router: Router) {
        self.router = router
    }

    private static func mapped(_ handler: @escaping Router.Handler) -> Router.Handler {
        { request in
            do {
                return try handler(request)
            } catch {
                if let mapped = ErrorMapping.httpError(for: error) { throw mapped }
                throw error
            }
        }
    }

    mutating func get(_ pattern: String, immediate: Router.ImmediateAnswer? = nil, _ handler: @escaping Router.Handler) {
        router.get(pattern, immediate: immediate, Self.mapped(handler))
    }

    mutating func post(_ pattern: String, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive, _ handler: @escaping Router.Handler) {
        router.post(pattern, maximumBodySize: maximumBodySize, priority: priority, Self.mapped(handler))
    }

    mutating func put(_ pattern: String, _ handler: @escaping Router.Handler) {
        router.put(pattern, Self.mapped(handler))
    }

    mutating func delete(_ pattern: String, _ handler: @escaping Router.Handler) {
        router.delete(pattern, Self.mapped(handler))
    }

    mutating func patch(_ pattern: String, _ handler: @escaping Router.Handler) {
        router.add(.PATCH, pattern, Self.mapped(handler))
    }
}

/// One group of routes.
protocol RouteCollection {
    func register(on routes: inout Routes)
}
