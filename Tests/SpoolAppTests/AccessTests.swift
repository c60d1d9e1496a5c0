import Foundation
import Logging
import SpoolCore
import SpoolHTTP
import SpoolStore
import XCTest
@testable import SpoolApp

/// Issue 17's "every route declares its role": the route table itself is walked, so a route
/// added tomorrow is checked too. In process, over a real database.
final class AccessTests: InProcessAppTestCase {
    override class var fixtureName: String { "access" }
    private var routes: Routes { fixture.routes }
    private var listenerKey = ""
    private var adminKey = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        let owner = try app.domain.accounts.claimOwner(name: "pat", password: "correct horse")
        let listener = try app.domain.accounts.create(name: "sam", role: .listener, password: "battery staple")
        adminKey = try app.domain.credentials.createKey(for: app.domain.accounts.principal(of: owner), label: "test").0
        listenerKey = try app.domain.credentials.createKey(for: app.domain.accounts.principal(of: listener), label: "test").0
    }

    /// A request for `entry` with every path parameter set to 1, as `key`'s owner.
    private func status(_ entry: Routes.Entry, key: String?) -> (Int, String) {
        // `/rest/{method}` needs a method that exists, or the answer is "unknown method".
        let path = entry.pattern.split(separator: "/").map { $0 == "{method}" ? "ping" : $0.hasPrefix("{") ? "1" : String($0) }.joined(separator: "/")
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        if let key { headers.add("Authorization", "Bearer \(key)") }
        let response = routes.router.respond(to: HTTPRequest(method: entry.method, path: "/" + path, headers: headers, body: Array("{}".utf8)))
        guard case .bytes(let bytes) = response.body else { return (response.status, "") }
        return (response.status, String(decoding: bytes, as: UTF8.self))
    }

    func testAListenerIsRefusedEveryAdminRouteAndAdminsAreRefusedNone() {
        let admin = routes.table.filter { $0.access == .admin }
        XCTAssertGreaterThan(admin.count, 30, "the table holds the admin routes")
        for entry in admin {
            let (listenerStatus, body) = status(entry, key: listenerKey)
            XCTAssertEqual(listenerStatus, 403, "\(entry.method.rawValue) \(entry.pattern): \(body)")
            XCTAssertTrue(body.contains(#""code":"forbidden""#), body)
            XCTAssertNotEqual(status(entry, key: adminKey).0, 403, "\(entry.method.rawValue) \(entry.pattern)")
        }
    }

    func testEveryRouteButTheOpenOnesNeedsACaller() {
        // Passwords exist now: no single-user mode, so no caller means no access.
        for entry in routes.table where entry.access != .ownCredentials {
            let (anonymous, body) = status(entry, key: nil)
            if entry.access == .open {
                XCTAssertNotEqual(anonymous, 401, "\(entry.method.rawValue) \(entry.pattern)")
            } else {
                XCTAssertEqual(anonymous, 401, "\(entry.method.rawValue) \(entry.pattern): \(body)")
                XCTAssertNotEqual(status(entry, key: listenerKey).0, 401, "\(entry.method.rawValue) \(entry.pattern)")
            }
        }
        let open = Set(routes.table.filter { $0.access == .open }.map(\.pattern))
        XCTAssertEqual(open, ["/api/meta", "/login", "/setup", "/api/login", "/api/logout", "/api/setup"])
    }

    /// `/rest/*` and `/feeds/*` carry their own credentials: without them they refuse in their
    /// own way (a Subsonic error in a 200 envelope; a 404 that tells nothing), and a session or
    /// an admin's API key in the header does not stand in for them.
    func testRoutesWithTheirOwnCredentialsRefuseWithoutThemWhateverElseComes() {
        let own = routes.table.filter { $0.access == .ownCredentials }
        XCTAssertEqual(Set(own.map(\.pattern)), ["/rest/{method}", "/feeds/{key}/likes.xml", "/feeds/{key}/sources.opml",
                                                 "/feeds/{key}/sources/{feed}", "/feeds/{key}/media/{file}", "/feeds/{key}/artwork/{file}"])
        for entry in own {
            for key in [nil, adminKey] {
                let (status, body) = self.status(entry, key: key)
                if entry.pattern.hasPrefix("/rest/") {
                    XCTAssertEqual(status, 200, "\(entry.method.rawValue) \(entry.pattern)")
                    XCTAssertTrue(body.contains(#"status="failed""#) && body.contains(#"code="10""#), body)
                } else {
                    XCTAssertEqual(status, 404, "\(entry.pattern): \(body)")
                }
            }
        }
    }

    func testARevokedKeyIsRefusedAtOnceAndAForeignOneToo() throws {
        let me = try XCTUnwrap(routes.table.first { $0.pattern == "/api/me" })
        XCTAssertEqual(status(me, key: listenerKey).0, 200)
        let sam = try XCTUnwrap(try app.domain.accounts.user(named: "sam"))
        let key = try XCTUnwrap(try app.domain.credentials.keys(of: sam.id!).first)
        try app.domain.credentials.revokeKey(key.id!, by: app.domain.accounts.principal(of: sam))
        XCTAssertEqual(status(me, key: listenerKey).0, 401)
        XCTAssertEqual(status(me, key: "spool_" + String(repeating: "A", count: 43)).0, 401)
        XCTAssertEqual(status(me, key: String(repeating: "x", count: 10_000)).0, 401)
    }
}
