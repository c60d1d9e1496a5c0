import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// The household's accounts, for admins: list, create, rename, change a role, reset a
/// password, remove; a user's sessions and keys.
struct UserRoutes: RouteCollection {
    let accounts: AccountService
    let credentials: CredentialService

    struct NewUser: Decodable {
        let name: String
        let role: UserRole?
        let password: String
    }

    struct Change: Decodable {
        let name: String?
        let role: UserRole?
        let password: String?
    }

    func register(on routes: inout Routes) {
        routes.get("/api/users", .admin) { _ in
            .json(["users": try accounts.users().map(UserRepresentation.init)])
        }
        routes.post("/api/users", .admin) { request in
            let body = try request.decodeJSON(NewUser.self)
            return .json(UserRepresentation(try accounts.create(name: body.name, role: body.role ?? .listener, password: body.password)),
                         status: 201)
        }
        routes.get("/api/users/{id}", .admin) { request in
            .json(UserRepresentation(try accounts.user(try request.idParameter())))
        }
        routes.patch("/api/users/{id}", .admin) { request in
            let id = try request.idParameter()
            let body = try request.decodeJSON(Change.self)
            if let password = body.password { try accounts.setPassword(of: id, to: password) }
            return .json(UserRepresentation(try accounts.update(id, name: body.name, role: body.role)))
        }
        routes.delete("/api/users/{id}", .admin) { request in
            try accounts.remove(try request.idParameter())
            return .json(["deleted": true])
        }
        routes.get("/api/users/{id}/sessions", .admin) { request in
            let id = try accounts.user(try request.idParameter()).id!
            return .json(["sessions": try credentials.sessions(of: id).map { SessionRepresentation($0, current: String?.none) }])
        }
        routes.delete("/api/users/{id}/sessions/{session}", .admin) { request, admin in
            try credentials.endSession(try request.idParameter("session"), by: admin)
            return .json(["deleted": true])
        }
        routes.get("/api/users/{id}/keys", .admin) { request in
            let id = try accounts.user(try request.idParameter()).id!
            return .json(["keys": try credentials.keys(of: id).map { KeyRepresentation($0, secret: String?.none) }])
        }
        routes.delete("/api/users/{id}/keys/{key}", .admin) { request, admin in
            try credentials.revokeKey(try request.idParameter("key"), by: admin)
            return .json(["deleted": true])
        }
    }
}

/// An account as admins see it: never its password hash.
struct UserRepresentation: Encodable, Sendable {
    let id: Int64
    let name: String
    let role: String
    let hasPassword: Bool
    let createdAt: Date

    init(_ user: User) {
        id = user.id ?? 0
        name = user.name
        role = user.role.rawValue
        hasPassword = user.passwordHash != nil
        createdAt = user.createdAt
    }
}
