import Foundation
import Logging
import SpoolHTTP
import XCTest
@testable import SpoolApp

/// The whole application in a temporary folder, driven through its real router without a
/// socket: a real database (migrated), the fixture yt-dlp (`Tests/Fixtures/fake_ytdlp.py`,
/// never run by these tests' routes unless they ask), updates off, and password hashing cheap
/// (8 MiB, one pass: an account made in `setUp` would otherwise cost 0.3 s).
///
///     let fixture = try InProcessApp("routes")
///     let (status, reply) = fixture.call(.GET, "/api/meta")
///     try fixture.close()
final class InProcessApp {
    let directory: String
    let app: SpoolApplication
    /// The route table with its access rules, and the router built from it.
    let routes: Routes
    /// `routes.router` with the static site as its fallback, as the server runs it.
    let router: Router

    init(_ name: String, environment: [String: String] = [:]) throws {
        directory = NSTemporaryDirectory() + "spool-\(name)-" + UUID().uuidString
        let fake = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fake_ytdlp.py").path
        let settings = try Settings.load(environment: [
            "DB_PATH": directory + "/tracks.db", "LIBRARY_DIR": directory + "/library", "YTDLP_PATH": fake,
            "YTDLP_UPDATE": "off", "WEB_DIR": directory + "/web", "PASSWORD_HASH_MEMORY_KIB": "8192", "PASSWORD_HASH_ITERATIONS": "1",
        ].merging(environment) { $1 }, dotEnvPath: nil)
        app = try SpoolApplication(settings: settings, logger: Logger(label: "test"))
        try app.database.migrate()
        routes = app.makeRoutes()
        router = app.makeRouter()
    }

    func close() throws {
        app.domain.stop()
        try app.database.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One JSON call: the status and the reply's object (empty when the body is no JSON object).
    func call(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], json: String? = nil) -> (Int, [String: Any]) {
        var headers = HTTPHeaders()
        if json != nil { headers.add("Content-Type", "application/json") }
        let response = router.respond(to: HTTPRequest(method: method, path: path, query: query, headers: headers, body: Array((json ?? "").utf8)))
        guard case .bytes(let bytes) = response.body,
              let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else { return (response.status, [:]) }
        return (response.status, object)
    }

    /// The `error.message` of a refusal.
    static func message(_ reply: [String: Any]) -> String {
        ((reply["error"] as? [String: Any])?["message"] as? String) ?? ""
    }
}

/// A test case with an `InProcessApp` of its own for each test, made before it and closed
/// after it (`fixtureName` names its folder), with its JSON call and a refusal's message at hand.
class InProcessAppTestCase: XCTestCase {
    var fixture: InProcessApp!
    var app: SpoolApplication { fixture.app }
    var directory: String { fixture.directory }
    /// The fixture folder's name (`InProcessApp(_:)`).
    class var fixtureName: String { "app" }

    override func setUpWithError() throws {
        try super.setUpWithError()
        fixture = try InProcessApp(type(of: self).fixtureName)
    }

    override func tearDownWithError() throws {
        try fixture.close()
        try super.tearDownWithError()
    }

    func call(_ method: HTTPMethod, _ path: String, query: [String: String] = [:], json: String? = nil) -> (Int, [String: Any]) {
        fixture.call(method, path, query: query, json: json)
    }

    func message(_ reply: [String: Any]) -> String {
        InProcessApp.message(reply)
    }
}
