import XCTest
import SpoolAuth

/// The `/rest/*` credential check, against the OpenSubsonic API reference and the
/// `apiKeyAuthentication` extension.
final class SubsonicCredentialsTests: XCTestCase {
    func parse(_ parameters: [String: String]) throws -> SubsonicCredentials {
        try SubsonicCredentials.parse { parameters[$0] }
    }

    func assertRefused(_ parameters: [String: String], _ expected: SubsonicAuthError, line: UInt = #line) {
        XCTAssertThrowsError(try parse(parameters), line: line) { error in
            XCTAssertEqual(error as? SubsonicAuthError, expected, line: line)
        }
    }

    func testTheThreeMechanismsParse() throws {
        XCTAssertEqual(try parse(["apiKey": "spool_x", "c": "app", "v": "1.16.1"]), .apiKey("spool_x"))
        XCTAssertEqual(try parse(["u": "joe", "t": "26719a1196d2a940705a59634eb18eab", "s": "c19b2d"]),
                       .token(username: "joe", token: "26719a1196d2a940705a59634eb18eab", salt: "c19b2d"))
        XCTAssertEqual(try parse(["u": "joe", "p": "sesame"]), .password(username: "joe", password: Array("sesame".utf8)))
        // The reference's example: enc:736573616d65 is "sesame".
        XCTAssertEqual(try parse(["u": "joe", "p": "enc:736573616d65"]), .password(username: "joe", password: Array("sesame".utf8)))
        XCTAssertEqual(try parse(["u": "joe", "p": "enc:736573616D65"]), .password(username: "joe", password: Array("sesame".utf8)))
    }

    func testConflictingMechanismsAreError43() {
        assertRefused(["apiKey": "spool_x", "u": "joe"], .conflictingMechanisms(["apiKey", "u"]))
        assertRefused(["apiKey": "spool_x", "p": "sesame"], .conflictingMechanisms(["apiKey", "p"]))
        assertRefused(["apiKey": "spool_x", "t": "a", "s": "b"], .conflictingMechanisms(["apiKey", "t", "s"]))
        assertRefused(["u": "joe", "p": "sesame", "t": "26719a1196d2a940705a59634eb18eab", "s": "c19b2d"], .conflictingMechanisms(["p", "t", "s"]))
        assertRefused(["u": "joe", "p": "sesame", "s": "c19b2d"], .conflictingMechanisms(["p", "s"]))
        XCTAssertEqual(SubsonicAuthError.conflictingMechanisms(["apiKey", "u"]).code, 43)
    }

    func testMissingParametersAreError10() {
        assertRefused([:], .missingParameter("'u' with 'p' or with 't' and 's', or 'apiKey'"))
        assertRefused(["c": "app", "v": "1.16.1"], .missingParameter("'u' with 'p' or with 't' and 's', or 'apiKey'"))
        assertRefused(["p": "sesame"], .missingParameter("'u'"))
        assertRefused(["u": "joe"], .missingParameter("'p', or 't' and 's'"))
        assertRefused(["u": "joe", "t": "26719a1196d2a940705a59634eb18eab"], .missingParameter("'s'"))
        assertRefused(["u": "joe", "s": "c19b2d"], .missingParameter("'t'"))
        // Empty values count as absent.
        assertRefused(["u": "", "p": "sesame"], .missingParameter("'u'"))
        assertRefused(["apiKey": "", "u": "joe"], .missingParameter("'p', or 't' and 's'"))
        XCTAssertEqual(SubsonicAuthError.missingParameter("u").code, 10)
    }

    func testMalformedAndOverlongCredentials() {
        assertRefused(["u": "joe", "p": "enc:7365736"], .malformedEncodedPassword)
        assertRefused(["u": "joe", "p": "enc:zz"], .malformedEncodedPassword)
        assertRefused(["u": "joe", "p": "enc:"], .malformedEncodedPassword)
        XCTAssertEqual(SubsonicAuthError.malformedEncodedPassword.code, 40)
        let long = String(repeating: "a", count: SubsonicCredentials.maximumParameterBytes + 1)
        assertRefused(["apiKey": long], .invalidAPIKey)
        assertRefused(["u": "joe", "p": long], .wrongCredentials)
        assertRefused(["u": "joe", "t": "26719a1196d2a940705a59634eb18eab", "s": long], .wrongCredentials)
        assertRefused(["u": long, "t": "26719a1196d2a940705a59634eb18eab", "s": "c19b2d"], .wrongCredentials)
    }

    /// The reference's example: password "sesame", salt "c19b2d" → 26719a1196d2a940705a59634eb18eab.
    func testTokenOfTheReferenceExample() throws {
        let credentials = try parse(["u": "joe", "t": "26719a1196d2a940705a59634eb18eab", "s": "c19b2d"])
        XCTAssertTrue(credentials.matches(subsonicPassword: "sesame"))
        XCTAssertFalse(credentials.matches(subsonicPassword: "Sesame"))
        XCTAssertFalse(try parse(["u": "joe", "t": "26719a1196d2a940705a59634eb18eab", "s": "c19b2e"]).matches(subsonicPassword: "sesame"))
        XCTAssertFalse(try parse(["u": "joe", "t": "26719a1196d2a940705a59634eb18eaa", "s": "c19b2d"]).matches(subsonicPassword: "sesame"))
        XCTAssertFalse(try parse(["u": "joe", "t": "26719a1196d2a940705a59634eb18ea", "s": "c19b2d"]).matches(subsonicPassword: "sesame"))
        XCTAssertTrue(try parse(["u": "joe", "t": "26719A1196D2A940705A59634EB18EAB", "s": "c19b2d"]).matches(subsonicPassword: "sesame"),
                      "upper-case hex from a lax client")
        XCTAssertTrue(try parse(["u": "joe", "p": "enc:736573616d65"]).matches(subsonicPassword: "sesame"))
        XCTAssertFalse(try parse(["u": "joe", "p": "sesame2"]).matches(subsonicPassword: "sesame"))
        XCTAssertFalse(SubsonicCredentials.apiKey("sesame").matches(subsonicPassword: "sesame"))
    }

    /// Tokens and `enc:` passwords for generated Subsonic passwords and random salts, computed by
    /// Python's hashlib and binascii (what a client does), are accepted; tokens for another salt
    /// are not.
    func testTokensComputedIndependently() throws {
        struct Case: Codable { var password: String; var salt: String; var token: String?; var encoded: String? }
        let cases = (0..<20).map { index in
            Case(password: index == 0 ? "p\u{E4}ss \u{2713}" : SubsonicPassword.generate(), salt: Hex.encode(RandomBytes.generate(1 + index % 12)))
        }
        let script = """
        import json, sys, hashlib, binascii
        out = []
        for case in json.load(sys.stdin):
            case["token"] = hashlib.md5((case["password"] + case["salt"]).encode("utf-8")).hexdigest()
            case["encoded"] = "enc:" + binascii.hexlify(case["password"].encode("utf-8")).decode()
            out.append(case)
        print(json.dumps(out))
        """
        let computed = try PythonReference.run(script, input: cases, as: [Case].self)
        XCTAssertEqual(computed.count, cases.count)
        for item in computed {
            let token = try parse(["u": "joe", "t": try XCTUnwrap(item.token), "s": item.salt])
            XCTAssertTrue(token.matches(subsonicPassword: item.password), "\(item)")
            XCTAssertFalse(try parse(["u": "joe", "t": item.token!, "s": item.salt + "0"]).matches(subsonicPassword: item.password))
            XCTAssertTrue(try parse(["u": "joe", "p": try XCTUnwrap(item.encoded)]).matches(subsonicPassword: item.password), "\(item)")
        }
    }

    func testGeneratedSubsonicPasswordsAreTypeableAndRandom() {
        let passwords = (0..<1000).map { _ in SubsonicPassword.generate() }
        XCTAssertEqual(Set(passwords).count, 1000)
        let allowed = Set("abcdefghijkmnpqrstuvwxyz23456789")
        for password in passwords {
            let groups = password.split(separator: "-", omittingEmptySubsequences: false)
            XCTAssertEqual(groups.count, 5, password)
            XCTAssertTrue(groups.allSatisfy { $0.count == 4 && $0.allSatisfy(allowed.contains) }, password)
        }
        // Every letter of the alphabet turns up (20,000 draws from 32 letters).
        XCTAssertEqual(Set(passwords.joined().filter { $0 != "-" }), allowed)
    }
}

final class SubsonicAuthenticatorTests: XCTestCase {
    struct Account: Equatable, Sendable { var id: Int }

    let aliceKey = Secrets.newAPIKey(), bobKey = Secrets.newAPIKey(), revokedKey = Secrets.newAPIKey()
    let aliceSubsonicPassword = SubsonicPassword.generate()

    /// Accounts as the lead's store holds them: Alice with a sealed Subsonic password and a key,
    /// Bob with a key only (and an account password, which Subsonic never sees).
    func authenticator(policy: SubsonicAuthenticator<Account>.Policy = .init()) -> SubsonicAuthenticator<Account> {
        let box = ServerKey.generate().secretBox(purpose: SubsonicPassword.sealingPurpose)
        let sealedAlice = box.seal(aliceSubsonicPassword, context: "user/1")
        let keys = [TokenDigest(of: aliceKey): Account(id: 1), TokenDigest(of: bobKey): Account(id: 2)]
        return SubsonicAuthenticator(
            policy: policy,
            account: { username in
                switch username {
                case "alice": .init(account: Account(id: 1), subsonicPassword: try box.openText(sealedAlice, context: "user/1"))
                case "bob": .init(account: Account(id: 2), subsonicPassword: nil)
                default: nil
                }
            },
            apiKeyOwner: { keys[$0] })
    }

    func token(_ password: String, salt: String) -> String { Hex.encode(Digest.md5(password + salt)) }

    func testEachMechanismSignsInItsAccount() throws {
        let check = authenticator()
        let salt = "a1b2c3d4e5"
        XCTAssertEqual(try check.authenticate(["u": "alice", "t": token(aliceSubsonicPassword, salt: salt), "s": salt].lookup).get(),
                       SubsonicAuthentication(account: Account(id: 1), mechanism: .token))
        XCTAssertEqual(try check.authenticate(["u": "alice", "p": aliceSubsonicPassword].lookup).get().mechanism, .password)
        XCTAssertEqual(try check.authenticate(["u": "alice", "p": "enc:" + Hex.encode(Array(aliceSubsonicPassword.utf8))].lookup).get().account, Account(id: 1))
        XCTAssertEqual(try check.authenticate(["apiKey": bobKey].lookup).get(), SubsonicAuthentication(account: Account(id: 2), mechanism: .apiKey))
        XCTAssertEqual(try check.authenticate(["u": "bob", "p": bobKey].lookup).get(), SubsonicAuthentication(account: Account(id: 2), mechanism: .apiKeyAsPassword))
    }

    func testWrongCredentialsAreOneIndistinguishableError40() throws {
        let check = authenticator()
        let salt = "a1b2c3d4e5"
        let refusals: [[String: String]] = [
            ["u": "alice", "t": token(aliceSubsonicPassword + "x", salt: salt), "s": salt],
            ["u": "alice", "p": "hunter2"],
            ["u": "mallory", "t": token(aliceSubsonicPassword, salt: salt), "s": salt],   // no such user
            ["u": "bob", "t": token("", salt: salt), "s": salt],                          // no Subsonic password
            ["u": "bob", "p": "bobs account password"],                                   // never the account password
            ["u": "alice", "p": bobKey],                                                  // a key of another user
            ["u": "mallory", "p": aliceKey],
            ["u": "alice", "p": revokedKey],
        ]
        for parameters in refusals {
            let result = try check.authenticate(parameters.lookup)
            XCTAssertEqual(result.failure, .wrongCredentials, "\(parameters)")
            XCTAssertEqual(result.failure?.code, 40)
        }
    }

    func testUnknownOrRevokedAPIKeysAreError44() throws {
        let check = authenticator()
        for key in [revokedKey, "not-a-key", String(aliceKey.dropLast())] {
            let result = try check.authenticate(["apiKey": key].lookup)
            XCTAssertEqual(result.failure, .invalidAPIKey, key)
            XCTAssertEqual(result.failure?.code, 44)
        }
    }

    func testSwitchedOffMechanismsAreErrors41And42() throws {
        let keysOnly = authenticator(policy: .init(allowsTokenAuthentication: false, allowsPasswordAuthentication: false))
        let salt = "a1b2c3d4e5"
        let tokenResult = try keysOnly.authenticate(["u": "alice", "t": token(aliceSubsonicPassword, salt: salt), "s": salt].lookup)
        XCTAssertEqual(tokenResult.failure, .tokenAuthenticationNotSupported)
        XCTAssertEqual(tokenResult.failure?.code, 41)
        let passwordResult = try keysOnly.authenticate(["u": "alice", "p": aliceSubsonicPassword].lookup)
        XCTAssertEqual(passwordResult.failure, .authenticationMechanismNotSupported)
        XCTAssertEqual(passwordResult.failure?.code, 42)
        XCTAssertEqual(try keysOnly.authenticate(["apiKey": aliceKey].lookup).get().account, Account(id: 1))
    }

    func testSyntaxErrorsComeBackAsResults() throws {
        let check = authenticator()
        XCTAssertEqual(try check.authenticate(["apiKey": aliceKey, "u": "alice"].lookup).failure?.code, 43)
        XCTAssertEqual(try check.authenticate(["u": "alice"].lookup).failure?.code, 10)
    }

    func testLookupFailuresAreThrownNotReportedAsWrongCredentials() {
        struct DatabaseDown: Error {}
        let check = SubsonicAuthenticator<Account>(account: { _ in throw DatabaseDown() }, apiKeyOwner: { _ in throw DatabaseDown() })
        XCTAssertThrowsError(try check.authenticate(["u": "alice", "p": "x"].lookup)) { XCTAssertTrue($0 is DatabaseDown) }
        XCTAssertThrowsError(try check.authenticate(["apiKey": "x"].lookup)) { XCTAssertTrue($0 is DatabaseDown) }
    }
}

extension Dictionary where Key == String, Value == String {
    var lookup: (String) -> String? { { self[$0] } }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { error } else { nil }
    }
}
