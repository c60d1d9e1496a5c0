import XCTest
@testable import SpoolAuth

final class SecretBoxTests: XCTestCase {
    /// "The Galois/Counter Mode of Operation" (McGrew & Viega), test case 16: AES-256, 96-bit IV,
    /// 60-byte plaintext, 20 bytes of associated data.
    func testAES256GCMPublishedVector() throws {
        let key = Hex.decode("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308")!
        let nonce = Hex.decode("cafebabefacedbaddecaf888")!
        let plaintext = Hex.decode("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39")!
        let associatedData = Hex.decode("feedfacedeadbeeffeedfacedeadbeefabaddad2")!
        let (ciphertext, tag) = AES256GCM.seal(key: key, nonce: nonce, plaintext: plaintext, associatedData: associatedData)
        XCTAssertEqual(Hex.encode(ciphertext), "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662")
        XCTAssertEqual(Hex.encode(tag), "76fc6ece0f4e1768cddf8853bb2d551b")
        XCTAssertEqual(AES256GCM.open(key: key, nonce: nonce, ciphertext: ciphertext, tag: tag, associatedData: associatedData), plaintext)
        var wrongTag = tag
        wrongTag[0] ^= 1
        XCTAssertNil(AES256GCM.open(key: key, nonce: nonce, ciphertext: ciphertext, tag: wrongTag, associatedData: associatedData))
    }

    func testRoundTrip() throws {
        let box = ServerKey.generate().secretBox(purpose: SubsonicPassword.sealingPurpose)
        let password = SubsonicPassword.generate()
        let sealed = box.seal(password, context: "user/42")
        XCTAssertEqual(sealed.count, password.utf8.count + 29)
        XCTAssertEqual(sealed[0], 1, "format version")
        XCTAssertNil(sealed.firstRange(of: Array(password.utf8)), "the plaintext is not in the sealed bytes")
        XCTAssertEqual(try box.openText(sealed, context: "user/42"), password)
        XCTAssertEqual(try box.open(box.seal([], context: "user/42"), context: "user/42"), [])
        XCTAssertNotEqual(box.seal(password, context: "user/42"), sealed, "a fresh nonce per seal")
    }

    func testEveryChangedByteIsDetected() {
        let box = ServerKey.generate().secretBox(purpose: SubsonicPassword.sealingPurpose)
        let sealed = box.seal("k7wd-3mpa-x9fe-tq2h-n4rc", context: "user/42")
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            XCTAssertThrowsError(try box.open(tampered, context: "user/42"), "byte \(index)") { error in
                let expected: SecretBoxError = index == 0 ? .unknownVersion(0) : .authenticationFailed
                XCTAssertEqual(error as? SecretBoxError, expected, "byte \(index)")
            }
        }
        XCTAssertThrowsError(try box.open(Array(sealed.dropLast()), context: "user/42")) {
            XCTAssertEqual($0 as? SecretBoxError, .authenticationFailed)
        }
        XCTAssertThrowsError(try box.open(Array(sealed.prefix(28)), context: "user/42")) {
            XCTAssertEqual($0 as? SecretBoxError, .truncated(byteCount: 28))
        }
    }

    func testAnotherRecordAnotherPurposeOrAnotherKeyCannotOpen() {
        let key = ServerKey.generate()
        let box = key.secretBox(purpose: SubsonicPassword.sealingPurpose)
        let sealed = box.seal("k7wd-3mpa-x9fe-tq2h-n4rc", context: "user/42")
        XCTAssertThrowsError(try box.open(sealed, context: "user/43"), "copied into another user's row") {
            XCTAssertEqual($0 as? SecretBoxError, .authenticationFailed)
        }
        XCTAssertThrowsError(try key.secretBox(purpose: "something-else").open(sealed, context: "user/42")) {
            XCTAssertEqual($0 as? SecretBoxError, .authenticationFailed)
        }
        XCTAssertThrowsError(try ServerKey.generate().secretBox(purpose: SubsonicPassword.sealingPurpose).open(sealed, context: "user/42"), "replaced key file") {
            XCTAssertEqual($0 as? SecretBoxError, .authenticationFailed)
        }
    }

    func testNonTextIsReportedByOpenText() {
        let box = ServerKey.generate().secretBox(purpose: "test")
        XCTAssertThrowsError(try box.openText(box.seal([0xff, 0xfe], context: "c"), context: "c")) {
            XCTAssertEqual($0 as? SecretBoxError, .notText)
        }
    }
}

final class ServerKeyFileTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spool-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try FileManager.default.removeItem(at: directory)
    }

    func testCreatedOnceWithOwnerOnlyPermissionsThenLoaded() throws {
        let path = directory.appendingPathComponent("spool.key").path
        let created = try ServerKey.loadOrCreate(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(text.count, 65)
        XCTAssertTrue(text.hasSuffix("\n"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["spool.key"], "no temporary file left")

        let loaded = try ServerKey.loadOrCreate(at: path)
        XCTAssertEqual(loaded.fingerprint, created.fingerprint)
        let sealed = created.secretBox(purpose: "p").seal("secret", context: "c")
        XCTAssertEqual(try loaded.secretBox(purpose: "p").openText(sealed, context: "c"), "secret", "what one start sealed, the next opens")
        XCTAssertEqual(try ServerKey.load(from: path).fingerprint, created.fingerprint)
    }

    func testAKeyMadeByOpenSSLIsRead() throws {
        let path = directory.appendingPathComponent("spool.key").path
        let hex = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        try (hex + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(try ServerKey.loadOrCreate(at: path).fingerprint, ServerKey(hex: hex)?.fingerprint)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), hex + "\n", "an existing key is never replaced")
    }

    func testConcurrentFirstStartsAgreeOnOneKey() throws {
        let path = directory.appendingPathComponent("spool.key").path
        let lock = NSLock()
        nonisolated(unsafe) var all: [String] = []
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            let fingerprint = (try? ServerKey.loadOrCreate(at: path))?.fingerprint ?? "failed"
            lock.withLock { all.append(fingerprint) }
        }
        XCTAssertEqual(all.count, 8)
        XCTAssertEqual(Set(all).count, 1, "\(all)")
        XCTAssertFalse(all.contains("failed"))
    }

    func testMalformedMissingAndUnwritableKeyFilesAreNamedInTheError() throws {
        let path = directory.appendingPathComponent("spool.key").path
        XCTAssertThrowsError(try ServerKey.load(from: path)) { error in
            XCTAssertEqual(error as? ServerKeyError, .unreadable(path: path, errno: ENOENT))
            XCTAssertTrue("\(error)".contains(path))
        }
        for content in ["", "abc\n", String(repeating: "0", count: 62) + "\n", String(repeating: "g", count: 64), String(repeating: "0", count: 300)] {
            try content.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ServerKey.loadOrCreate(at: path), content) { error in
                guard case .malformed(let named, _) = error as? ServerKeyError else { return XCTFail("\(error)") }
                XCTAssertEqual(named, path)
            }
        }
        let inMissingFolder = directory.appendingPathComponent("missing/spool.key").path
        XCTAssertThrowsError(try ServerKey.loadOrCreate(at: inMissingFolder)) { error in
            guard case .unwritable(let named, let code) = error as? ServerKeyError else { return XCTFail("\(error)") }
            XCTAssertEqual(named, inMissingFolder)
            XCTAssertEqual(code, ENOENT)
        }
    }
}
