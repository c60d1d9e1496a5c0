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

/// Who may call a route. Every route states it when it is registered (there is no default), and
/// `RoutesAccessTests` walks the table to prove that each admin route refuses a listener.
enum Access: String, Sendable, CaseIterable {
    /// Anyone, signed in or not: the sign-in and first-start calls, `/api/meta`.
    case open
    /// Any signed-in user: the library, playback, their own state.
    case listener
    /// Admins: sources, profiles, jobs, settings, users, the trash, health and metrics.
    case admin
    /// Routes that carry credentials of their own protocol and check them themselves: the
    /// Subsonic API (`/rest/*`: `u`/`t`/`s`, `p` or `apiKey` in every request, answered with
    /// Subsonic error codes in a 200 envelope as clients expect) and podcast feeds (a feed key
    /// in the path, since podcast apps cannot sign in; a wrong key is a 404). Neither may
    /// demand a session or be answered with the API's 401, so `Routes` passes them through
    /// without a caller, and `AccessTests` checks that each refuses a request without its own
    /// credentials.
    case ownCredentials
}

/// A route collection's way to register handlers: the router's methods, with the caller's
/// identity checked against the route's `Access` (401 without one, 403 with too small a role)
/// and every error mapped by `ErrorMapping`. Handlers stay thin: parse, call the domain, shape
/// the reply; the ones that act for a user receive that user.
struct Routes {
    typealias Handler = @Sendable (HTTPRequest) throws -> HTTPResponse
    typealias UserHandler = @Sendable (HTTPRequest, Principal) throws -> HTTPResponse

    /// One registered route, for the access tests and the docs.
    struct Entry: Sendable, Equatable {
        let method: HTTPMethod
        let pattern: String
        let access: Access
    }

    var router: Router
    let authenticate: @Sendable (HTTPRequest) throws -> Principal?
    private(set) var table: [Entry] = []

    init(_ router: Router, authenticate: @escaping @Sendable (HTTPRequest) throws -> Principal?) {
        self.router = router
        self.authenticate = authenticate
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

    private func guarded(_ access: Access, _ handler: @escaping UserHandler) -> Router.Handler {
        let authenticate = self.authenticate
        return Self.mapped { request in
            // A route with credentials of its own never looks at the session, the bearer
            // header or `?key=`: a Subsonic app's `?key=` is not Spool's.
            let principal = access == .ownCredentials ? nil : try authenticate(request)
            switch access {
            case .open:
                return try handler(request, principal ?? Principal.anonymous)
            case .ownCredentials:
                return try handler(request, Principal.anonymous)
            case .listener, .admin:
                guard let principal else { throw HTTPError.signInRequired }
                guard access == .listener || principal.isAdmin else {
                    throw HTTPError(status: 403, code: "forbidden", message: "This needs an admin account; \(principal.name) is a listener.")
                }
                return try handler(request, principal)
            }
        }
    }

    private mutating func record(_ method: HTTPMethod, _ pattern: String, _ access: Access) {
        table.append(Entry(method: method, pattern: pattern, access: access))
    }

    mutating func get(_ pattern: String, _ access: Access, immediate: Router.ImmediateAnswer? = nil, _ handler: @escaping UserHandler) {
        record(.GET, pattern, access)
        // An immediate answer runs on the event loop before the work queue: only open routes
        // may have one (checking a session reads the database).
        router.get(pattern, immediate: access == .open ? immediate : nil, guarded(access, handler))
    }

    mutating func get(_ pattern: String, _ access: Access, immediate: Router.ImmediateAnswer? = nil, _ handler: @escaping Handler) {
        get(pattern, access, immediate: immediate) { request, _ in try handler(request) }
    }

    mutating func post(_ pattern: String, _ access: Access, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive,
                       _ handler: @escaping UserHandler) {
        record(.POST, pattern, access)
        router.post(pattern, maximumBodySize: maximumBodySize, priority: priority, guarded(access, handler))
    }

    mutating func post(_ pattern: String, _ access: Access, maximumBodySize: Int? = nil, priority: WorkPriority = .interactive,
                       _ handler: @escaping Handler) {
        post(pattern, access, maximumBodySize: maximumBodySize, priority: priority) { request, _ in try handler(request) }
    }

    mutating func put(_ pattern: String, _ access: Access, _ handler: @escaping UserHandler) {
        record(.PUT, pattern, access)
        router.put(pattern, guarded(access, handler))
    }

    mutating func put(_ pattern: String, _ access: Access, _ handler: @escaping Handler) {
        put(pattern, access) { request, _ in try handler(request) }
    }

    mutating func delete(_ pattern: String, _ access: Access, _ handler: @escaping UserHandler) {
        record(.DELETE, pattern, access)
        router.delete(pattern, guarded(access, handler))
    }

    mutating func delete(_ pattern: String, _ access: Access, _ handler: @escaping Handler) {
        delete(pattern, access) { request, _ in try handler(request) }
    }

    mutating func patch(_ pattern: String, _ access: Access, _ handler: @escaping UserHandler) {
        record(.PATCH, pattern, access)
        router.add(.PATCH, pattern, guarded(access, handler))
    }

    mutating func patch(_ pattern: String, _ access: Access, _ handler: @escaping Handler) {
        patch(pattern, access) { request, _ in try handler(request) }
    }
}

extension HTTPError {
    /// No session, key or token came with a request that needs one.
    static let signInRequired = HTTPError(
        status: 401, code: "unauthorized",
        message: "Sign in first (/login), or send an API key or the AUTH_TOKEN: 'Authorization: Bearer <token>'.",
        headers: ["WWW-Authenticate": "Bearer realm=\"spool\""])
}

extension Principal {
    /// The caller of an open route who did not sign in.
    static let anonymous = Principal(userId: 0, name: "anonymous", role: .listener)
}

/// One group of routes.
protocol RouteCollection {
    func register(on routes: inout Routes)
}
