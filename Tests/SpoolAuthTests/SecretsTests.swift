import XCTest
import SpoolAuth

final class SecretsTests: XCTestCase {
    func testSessionIDsAreRandomBase64urlOf32Bytes() {
        let ids = (0..<1000).map { _ in Secrets.newSessionID() }
        XCTAssertEqual(Set(ids).count, 1000)
        for id in ids {
            XCTAssertEqual(id.count, 43)
            XCTAssertEqual(Base64.decode(id, alphabet: .url)?.count, 32)
            XCTAssertTrue(Secrets.isWellFormedSessionID(id))
            XCTAssertFalse(Secrets.isWellFormedAPIKey(id))
            XCTAssertNil(id.rangeOfCharacter(from: CharacterSet(charactersIn: "+/=%;, ")), "fits a cookie and a URL as it is")
        }
    }

    func testAPIKeysCarryTheirPrefix() {
        let keys = (0..<1000).map { _ in Secrets.newAPIKey() }
        XCTAssertEqual(Set(keys).count, 1000)
        for key in keys {
            XCTAssertTrue(key.hasPrefix("spool_"))
            XCTAssertEqual(key.count, 49)
            XCTAssertTrue(Secrets.isWellFormedAPIKey(key))
            XCTAssertFalse(Secrets.isWellFormedSessionID(key))
            XCTAssertEqual(key.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed), key, "fits ?apiKey= as it is")
        }
    }

    func testMalformedTokensAreRecognisedWithoutALookup() {
        let key = Secrets.newAPIKey()
        let body = String(key.dropFirst(6))
        XCTAssertFalse(Secrets.isWellFormedAPIKey(body), "no prefix")
        XCTAssertFalse(Secrets.isWellFormedAPIKey("spool_" + body.dropLast()), "short")
        XCTAssertFalse(Secrets.isWellFormedAPIKey(key + "A"), "long")
        XCTAssertFalse(Secrets.isWellFormedAPIKey("spool_" + body.dropLast() + "="), "padding")
        XCTAssertFalse(Secrets.isWellFormedAPIKey("spool_" + body.dropLast() + "+"), "standard alphabet")
        XCTAssertFalse(Secrets.isWellFormedAPIKey("SPOOL_" + body), "prefix is case-sensitive")
        XCTAssertFalse(Secrets.isWellFormedSessionID(""), "empty cookie")
        XCTAssertFalse(Secrets.isWellFormedSessionID(String(repeating: "A", count: 42) + "B"), "bits past the 32nd byte")
        XCTAssertFalse(Secrets.isWellFormedSessionID(String(repeating: "é", count: 43)))
    }

    func testTokenDigestIsSHA256AndMatchesOnlyItsToken() throws {
        XCTAssertEqual(TokenDigest(of: "abc").hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let key = Secrets.newAPIKey()
        let digest = TokenDigest(of: key)
        XCTAssertTrue(digest.matches(key))
        XCTAssertFalse(digest.matches(Secrets.newAPIKey()))
        XCTAssertFalse(digest.matches(String(key.dropLast())))
        XCTAssertEqual(TokenDigest(hex: digest.hex), digest)
        XCTAssertEqual(TokenDigest(bytes: digest.bytes), digest)
        XCTAssertEqual(TokenDigest(hex: digest.hex.uppercased()), digest)
        XCTAssertNil(TokenDigest(hex: String(digest.hex.dropLast(2))))
        XCTAssertNil(TokenDigest(hex: "zz" + digest.hex.dropFirst(2)))
        XCTAssertNil(TokenDigest(bytes: Array(digest.bytes.dropLast())))
        XCTAssertFalse(digest.description.contains(digest.hex), "log lines carry a prefix only")
    }
}
