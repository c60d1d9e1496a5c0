import XCTest
@testable import SpoolAuth

final class PasswordHasherTests: XCTestCase {
    /// Cheap parameters for the behaviour tests; the defaults run in `testDefaultParameters…`.
    let fast = try! PasswordHasher(parameters: Argon2Parameters(memoryKiB: 256, iterations: 1, parallelism: 1))

    func testDefaultParametersHashVerifyAndRefuseAWrongPassword() throws {
        let hasher = PasswordHasher.standard
        let encoded = try hasher.hash("correct horse battery staple")
        XCTAssertTrue(encoded.hasPrefix("$argon2id$v=19$m=65536,t=3,p=1$"), encoded)
        XCTAssertTrue(try hasher.verify("correct horse battery staple", against: encoded))
        XCTAssertFalse(try hasher.verify("correct horse battery stapler", against: encoded))
        XCTAssertFalse(try hasher.needsRehash(encoded))
        let parsed = try Argon2idHash(parsing: encoded)
        XCTAssertEqual(parsed.parameters, .default)
        XCTAssertEqual(parsed.salt.count, 16)
        XCTAssertEqual(parsed.hash.count, 32)
    }

    func testWrongPasswordsFail() throws {
        let encoded = try fast.hash("sesame")
        for wrong in ["Sesame", "sesame ", " sesame", "sesam", "sesamee", "", "SESAME"] where !wrong.isEmpty {
            XCTAssertFalse(try fast.verify(wrong, against: encoded), wrong)
        }
        XCTAssertTrue(try fast.verify("sesame", against: encoded))
    }

    func testEachHashHasItsOwnSalt() throws {
        let first = try fast.hash("sesame"), second = try fast.hash("sesame")
        XCTAssertNotEqual(first, second)
        XCTAssertNotEqual(try Argon2idHash(parsing: first).salt, try Argon2idHash(parsing: second).salt)
        XCTAssertTrue(try fast.verify("sesame", against: second))
    }

    func testOldParameterHashesVerifyAndAskForARehash() throws {
        let old = try PasswordHasher(parameters: Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1))
        let oldHash = try old.hash("hunter2 but longer")
        let current = PasswordHasher.standard
        XCTAssertTrue(try current.verify("hunter2 but longer", against: oldHash), "an old hash must still let its owner in")
        XCTAssertTrue(try current.needsRehash(oldHash))

        // The sign-in flow: verify, then store a new hash, which no longer needs one.
        let rehashed = try current.hash("hunter2 but longer")
        XCTAssertFalse(try current.needsRehash(rehashed))
        XCTAssertTrue(try current.verify("hunter2 but longer", against: rehashed))
        XCTAssertTrue(try old.needsRehash(rehashed), "a stronger hash than the setting converges on the setting too")
    }

    func testEachParameterChangeAsksForARehash() throws {
        let base = Argon2Parameters(memoryKiB: 256, iterations: 2, parallelism: 1)
        let encoded = try PasswordHasher(parameters: base).hash("sesame")
        var changes: [Argon2Parameters] = []
        var raisedMemory = base; raisedMemory.memoryKiB = 512; changes.append(raisedMemory)
        var raisedIterations = base; raisedIterations.iterations = 3; changes.append(raisedIterations)
        var moreLanes = base; moreLanes.parallelism = 2; changes.append(moreLanes)
        var longerSalt = base; longerSalt.saltLength = 32; changes.append(longerSalt)
        var longerHash = base; longerHash.hashLength = 64; changes.append(longerHash)
        for parameters in changes {
            XCTAssertTrue(try PasswordHasher(parameters: parameters).needsRehash(encoded), "\(parameters)")
        }
        XCTAssertFalse(try PasswordHasher(parameters: base).needsRehash(encoded))
    }

    func testEmptyAndOverlongPasswordsAreRefused() throws {
        XCTAssertThrowsError(try fast.hash("")) { XCTAssertEqual($0 as? PasswordHashError, .emptyPassword) }
        let encoded = try fast.hash("sesame")
        XCTAssertThrowsError(try fast.verify("", against: encoded)) { XCTAssertEqual($0 as? PasswordHashError, .emptyPassword) }

        let limit = PasswordHasher.maximumPasswordBytes
        XCTAssertTrue(try fast.verify(String(repeating: "a", count: limit), against: fast.hash(String(repeating: "a", count: limit))))
        let tooLong = String(repeating: "a", count: limit + 1)
        XCTAssertThrowsError(try fast.hash(tooLong)) {
            XCTAssertEqual($0 as? PasswordHashError, .passwordTooLong(byteCount: limit + 1, limit: limit))
        }
        // Counted in UTF-8 bytes: 342 three-byte characters are 1,026 bytes.
        XCTAssertThrowsError(try fast.hash(String(repeating: "€", count: 342))) {
            XCTAssertEqual($0 as? PasswordHashError, .passwordTooLong(byteCount: 1026, limit: limit))
        }
        // A 10 MB field is refused on its length, before normalization or hashing.
        XCTAssertThrowsError(try fast.verify(String(repeating: "x", count: 10_000_000), against: encoded)) {
            XCTAssertEqual($0 as? PasswordHashError, .passwordTooLong(byteCount: 10_000_000, limit: limit))
        }
        XCTAssertThrowsError(try fast.verifyUnknownAccount(tooLong))
    }

    func testUnicodeNormalizationMakesBothSpellingsOfAPasswordOne() throws {
        let precomposed = "caf\u{E9} cr\u{E8}me", decomposed = "cafe\u{301} cre\u{300}me"
        XCTAssertNotEqual(Array(precomposed.utf8), Array(decomposed.utf8))
        let encoded = try fast.hash(decomposed)
        XCTAssertTrue(try fast.verify(precomposed, against: encoded))
        XCTAssertTrue(try fast.verify(decomposed, against: encoded))
        XCTAssertFalse(try fast.verify("cafe creme", against: encoded))
    }

    func testUnknownAccountsAreRefusedAfterTheSameWork() throws {
        XCTAssertFalse(try fast.verifyUnknownAccount("sesame"))
        XCTAssertThrowsError(try fast.verifyUnknownAccount("")) { XCTAssertEqual($0 as? PasswordHashError, .emptyPassword) }
    }

    func testMalformedStoredHashesAreRefusedWithTheirReason() throws {
        let valid = "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"
        XCTAssertTrue(try fast.verify("password", against: valid))

        func assertRefused(_ encoded: String, _ check: (PasswordHashError) -> Bool, line: UInt = #line) {
            XCTAssertThrowsError(try fast.verify("password", against: encoded), line: line) { error in
                guard let error = error as? PasswordHashError else { return XCTFail("\(error)", line: line) }
                XCTAssertTrue(check(error), "\(encoded): \(error)", line: line)
            }
            XCTAssertThrowsError(try fast.needsRehash(encoded), line: line)
        }
        func malformed(_ error: PasswordHashError) -> Bool { if case .malformedHash = error { true } else { false } }
        func outOfRange(_ error: PasswordHashError) -> Bool { if case .parametersOutOfRange = error { true } else { false } }

        assertRefused("", malformed)
        assertRefused("password", malformed)
        assertRefused("argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2i$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4") { $0 == .unsupportedAlgorithm("argon2i") }
        assertRefused("$argon2d$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4") { $0 == .unsupportedAlgorithm("argon2d") }
        assertRefused("$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW") { $0 == .unsupportedAlgorithm("2b") }
        assertRefused("$argon2id$v=16$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4") { $0 == .unsupportedVersion("v=16") }
        assertRefused("$argon2id$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4") { $0 == .unsupportedVersion("none (version 16)") }
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ", malformed)
        assertRefused(valid + "$", malformed)
        assertRefused("$argon2id$v=19$t=2,m=256,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=256,t=2$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=256,t=2,p=1,keyid=abc$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=0256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=-256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=99999999999,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ=$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4=", malformed)
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29t*XNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", malformed)
        // Bits set past the last byte: "…Gi/5" is not the canonical text of any 32 bytes.
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/5", malformed)

        // Parameters a planted row could use to exhaust the server: refused before any work.
        assertRefused("$argon2id$v=19$m=4294967295,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)
        assertRefused("$argon2id$v=19$m=256,t=4294967295,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)
        assertRefused("$argon2id$v=19$m=256,t=0,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)
        assertRefused("$argon2id$v=19$m=256,t=2,p=255$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)
        assertRefused("$argon2id$v=19$m=8,t=2,p=2$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4", outOfRange)   // 4-byte salt
        assertRefused("$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQ", outOfRange)   // 7-byte hash
    }

    func testSettingsOutsideTheRangesAreRefused() {
        for parameters in [
            Argon2Parameters(memoryKiB: 4, iterations: 1, parallelism: 1),
            Argon2Parameters(memoryKiB: 2_097_152, iterations: 1, parallelism: 1),
            Argon2Parameters(memoryKiB: 256, iterations: 0, parallelism: 1),
            Argon2Parameters(memoryKiB: 256, iterations: 1, parallelism: 0),
            Argon2Parameters(memoryKiB: 256, iterations: 1, parallelism: 1, saltLength: 4),
            Argon2Parameters(memoryKiB: 256, iterations: 1, parallelism: 1, hashLength: 8),
        ] {
            XCTAssertThrowsError(try PasswordHasher(parameters: parameters), "\(parameters)") { error in
                guard case .parametersOutOfRange = error as? PasswordHashError else { return XCTFail("\(error)") }
            }
        }
    }
}
