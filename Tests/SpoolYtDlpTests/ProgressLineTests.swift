import XCTest
@testable import SpoolYtDlp

final class ProgressLineTests: XCTestCase {
    func testAFullLineGivesEveryFigure() throws {
        let line = try XCTUnwrap(ProgressLine("SPOOLPROG downloading 1048576 4194304 NA 524288 6 25.0 abc123"))
        XCTAssertEqual(line.status, "downloading")
        XCTAssertEqual(line.downloadedBytes, 1_048_576)
        XCTAssertEqual(line.totalBytes, 4_194_304)
        XCTAssertEqual(line.speed, 524_288)
        XCTAssertEqual(line.eta, 6)
        XCTAssertEqual(line.percent, 25.0)
    }

    func testUnknownFieldsAreNilAndTheEstimateStandsInForTheTotal() throws {
        let line = try XCTUnwrap(ProgressLine("SPOOLPROG downloading 100 NA 1000 NA NA NA id"))
        XCTAssertEqual(line.totalBytes, 1000)
        XCTAssertNil(line.speed)
        XCTAssertNil(line.eta)
        XCTAssertNil(line.percent)
    }

    func testPercentIsClampedToZeroThroughHundred() throws {
        XCTAssertEqual(try XCTUnwrap(ProgressLine("SPOOLPROG finished 1 1 NA 0 0 100.4 id")).percent, 100)
    }

    func testOtherOutputIsNotProgress() {
        XCTAssertNil(ProgressLine("[download] Destination: x.m4a"))
        XCTAssertNil(ProgressLine("SPOOLPROG downloading 1 2"))
        XCTAssertNil(ProgressLine(""))
    }
}
