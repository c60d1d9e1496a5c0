import XCTest
@testable import SpoolHTTP

final class RouterTests: XCTestCase {
    private func router() -> Router {
        var router = Router()
        router.get("/api/jobs/{id}") { _ in .text("one job") }
        router.post("/api/jobs/{id}/retry") { _ in .text("retry one") }
        router.post("/api/jobs/retry") { _ in .text("retry many") }
        router.get("/api/health") { _ in .text("ok") }
        router.delete("/api/health") { _ in .text("never registered first") }
        return router
    }

    private func pattern(_ match: Router.Match) -> String? {
        if case .handler(let route, _) = match { return route.pattern.text }
        return nil
    }

    func testALiteralSegmentBeatsAParameterWhateverTheOrder() {
        XCTAssertEqual(pattern(router().match(method: "POST", path: "/api/jobs/retry")), "/api/jobs/retry")
        XCTAssertEqual(pattern(router().match(method: "GET", path: "/api/jobs/12")), "/api/jobs/{id}")
        XCTAssertEqual(pattern(router().match(method: "HEAD", path: "/api/jobs/12")), "/api/jobs/{id}")
    }

    func testAllowListsTheMethodsOfTheWinningPatternOnly() {
        // GET /api/jobs/retry is not "the job with id retry": the literal route is POST-only.
        guard case .methodNotAllowed(let allowed) = router().match(method: "GET", path: "/api/jobs/retry") else {
            return XCTFail("expected 405")
        }
        XCTAssertEqual(allowed, [.POST])
        guard case .methodNotAllowed(let health) = router().match(method: "PUT", path: "/api/health") else {
            return XCTFail("expected 405")
        }
        XCTAssertEqual(health, [.GET, .DELETE])
    }

    func testUnknownMethodTokensAreNotAllowedRatherThanNotImplemented() {
        for method in ["TRACE", "CONNECT", "FOO", "get"] {
            guard case .methodNotAllowed(let allowed) = router().match(method: method, path: "/api/jobs/3") else {
                return XCTFail(method)
            }
            XCTAssertEqual(allowed, [.GET])
        }
        guard case .notFound = router().match(method: "TRACE", path: "/nowhere") else { return XCTFail("expected 404") }
    }
}
