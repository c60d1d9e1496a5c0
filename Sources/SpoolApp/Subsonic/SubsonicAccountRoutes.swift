import Foundation
import SpoolCore
import SpoolHTTP

/// A user's Subsonic password, for music apps that sign in with a name and a password: made
/// by the server (never chosen, never the account password), shown once, replaced by making a
/// new one, removed to leave only API keys.
///
/// - `GET /api/me/subsonic-password` → `{"username", "exists"}`
/// - `POST /api/me/subsonic-password` → 201 `{"username", "password"}` (the only time it is shown)
/// - `DELETE /api/me/subsonic-password` → `{"deleted": true}`
struct SubsonicAccountRoutes: RouteCollection {
    let passwords: SubsonicPasswords

    struct Status: Encodable {
        let username: String
        let exists: Bool
    }

    struct Generated: Encodable {
        let username: String
        let password: String
    }

    func register(on routes: inout Routes) {
        routes.get("/api/me/subsonic-password", .listener) { _, user in
            .json(Status(username: user.name, exists: try passwords.hasPassword(user)))
        }
        routes.post("/api/me/subsonic-password", .listener) { _, user in
            .json(Generated(username: user.name, password: try passwords.generate(for: user)), status: 201)
        }
        routes.delete("/api/me/subsonic-password", .listener) { _, user in
            try passwords.remove(for: user)
            return .json(["deleted": true])
        }
    }
}
