import XCTest
@testable import SpoolWebSocket

final class WebSocketSHA1Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    private func sha1(_ text: String) -> String { hex(WebSocketSHA1.digest(of: Array(text.utf8))) }

    func testRFC3174Vectors() {
        XCTAssertEqual(sha1("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(
            sha1(String(repeating: "0123456701234567012345670123456701234567012345670123456701234567", count: 10)),
            "dea356a2cddd90c7a7ecedc5ebb563934f460452")
    }

    func testMillionAs() {
        XCTAssertEqual(
            hex(WebSocketSHA1.digest(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// Lengths around the 55/56/64-byte padding boundaries, checked against `sha1sum`.
    func testPaddingBoundaries() {
        let expected: [Int: String] = [
            0: "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            1: "11f6ad8ec52a2984abaafd7c3b516503785c2072",
            55: "cef734ba81a024479e09eb5a75b6ddae62e6abf1",
            56: "901305367c259952f4e7af8323f480d59f81335b",
            63: "0ddc4e0cccd9a12850deb5abb0853a4425559fec",
            64: "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163",
            65: "78c741ddc482e4cdf8c474a0876347a0905b6233",
            119: "4300320394f7ee239bcdce7d3b8bcee173a0cd5c",
            120: "ceb2821639c4b6dcb10bce0e522ca2e608ce056d",
            128: "150fa3fbdc899bd0b8f95a9fb6027f564d953762",
        ]
        for (length, digest) in expected {
            XCTAssertEqual(sha1(String(repeating: "x", count: length)), digest, "length \(length)")
        }
    }
}
