import XCTest
@testable import SpoolAuth

/// The primitives against their published vectors.
final class DigestAndEncodingTests: XCTestCase {
    /// FIPS 180-2 appendix B (and the empty message).
    func testSHA256PublishedVectors() {
        XCTAssertEqual(Hex.encode(Digest.sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(Hex.encode(Digest.sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(Hex.encode(Digest.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(Hex.encode(Digest.sha256([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// RFC 1321 appendix A.5.
    func testMD5PublishedVectors() {
        let vectors = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789", "d174ab98d277d9f5a5611c2c9f419d9f"),
            (String(repeating: "1234567890", count: 8), "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (message, digest) in vectors {
            XCTAssertEqual(Hex.encode(Digest.md5(message)), digest, message)
        }
    }

    /// RFC 4231 test cases 1, 2 and 6 (a key longer than the block).
    func testHMACSHA256PublishedVectors() {
        XCTAssertEqual(Hex.encode(Digest.hmacSHA256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))),
                       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        XCTAssertEqual(Hex.encode(Digest.hmacSHA256(key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))),
                       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        XCTAssertEqual(Hex.encode(Digest.hmacSHA256(key: [UInt8](repeating: 0xaa, count: 131),
                                                    message: Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8))),
                       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    /// RFC 4648 §10, without the padding PHC strings and tokens leave out.
    func testBase64PublishedVectorsAndStrictDecoding() {
        let vectors = [("", ""), ("f", "Zg"), ("fo", "Zm8"), ("foo", "Zm9v"), ("foob", "Zm9vYg"), ("fooba", "Zm9vYmE"), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8), alphabet: .standard), encoded)
            XCTAssertEqual(Base64.decode(encoded, alphabet: .standard), Array(plain.utf8), encoded)
        }
        let bytes: [UInt8] = [0xfb, 0xff, 0xbf]
        XCTAssertEqual(Base64.encode(bytes, alphabet: .standard), "+/+/")
        XCTAssertEqual(Base64.encode(bytes, alphabet: .url), "-_-_")
        XCTAssertNil(Base64.decode("-_-_", alphabet: .standard))
        XCTAssertNil(Base64.decode("+/+/", alphabet: .url))
        XCTAssertNil(Base64.decode("Zg==", alphabet: .standard), "padding")
        XCTAssertNil(Base64.decode("Zh", alphabet: .standard), "bits past the last byte")
        XCTAssertNil(Base64.decode("Z", alphabet: .standard), "a lone character is no byte")
        XCTAssertNil(Base64.decode("Zm 9v", alphabet: .standard), "whitespace")
        XCTAssertEqual(Base64.encodedLength(of: 32), 43)
    }

    func testHexRoundTripAndRefusals() {
        XCTAssertEqual(Hex.encode([0x00, 0x7f, 0x80, 0xff]), "007f80ff")
        XCTAssertEqual(Hex.decode("007F80ff"), [0x00, 0x7f, 0x80, 0xff])
        XCTAssertEqual(Hex.decode(""), [])
        XCTAssertNil(Hex.decode("abc"))
        XCTAssertNil(Hex.decode("zz"))
        XCTAssertNil(Hex.decode("0x12"))
    }

    func testConstantTimeEquality() {
        XCTAssertTrue(ConstantTime.equals([], []))
        XCTAssertTrue(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [0, 2, 3]))
        XCTAssertFalse(ConstantTime.equals([1, 2, 3], [1, 2]))
    }

    func testRandomBytesDiffer() {
        let samples = (0..<100).map { _ in RandomBytes.generate(16) }
        XCTAssertEqual(Set(samples).count, 100)
        XCTAssertEqual(RandomBytes.generate(0), [])
        XCTAssertEqual(RandomBytes.generate(1000).count, 1000)
    }
}
