import XCTest
import SpoolAuth

/// Spool's hashes against argon2-cffi (PyPI), an independent build of Argon2 with its own PHC
/// encoder and parser, in both directions.
final class Argon2InteroperabilityTests: XCTestCase {
    struct Case: Codable {
        var password: String
        var encoded: String
    }

    /// The password with its last character changed (not appended to: the 1,024-byte one is at
    /// the limit).
    static func wrong(_ password: String) -> String {
        String(password.dropLast()) + (password.hasSuffix("x") ? "y" : "x")
    }

    static let passwords = ["sesame", "correct horse battery staple", "p\u{E4}ssw\u{F6}rd \u{2713} \u{1F3B5}", String(repeating: "z", count: 1024)]

    /// argon2-cffi hashes (its own default parameters, Spool's, and OWASP's minimum); Spool
    /// verifies each and refuses the wrong password.
    func testHashesFromArgon2CFFIVerifyHere() throws {
        let script = """
        import json, sys
        from argon2 import PasswordHasher
        passwords = json.load(sys.stdin)
        hashers = [PasswordHasher(), PasswordHasher(time_cost=3, memory_cost=65536, parallelism=1),
                   PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, salt_len=8, hash_len=16)]
        print(json.dumps([{"password": p, "encoded": h.hash(p)} for h in hashers for p in passwords]))
        """
        let cases = try PythonReference.run(script, input: Self.passwords, as: [Case].self)
        XCTAssertEqual(cases.count, 3 * Self.passwords.count)
        let hasher = PasswordHasher.standard
        for item in cases {
            XCTAssertTrue(try hasher.verify(item.password, against: item.encoded), item.encoded)
            XCTAssertFalse(try hasher.verify(Self.wrong(item.password), against: item.encoded), item.encoded)
        }
        XCTAssertTrue(cases.contains { $0.encoded.hasPrefix("$argon2id$v=19$m=65536,t=3,p=4$") }, "argon2-cffi's own default is among them")
        XCTAssertEqual(try cases.filter { try !hasher.needsRehash($0.encoded) }.count, Self.passwords.count,
                       "exactly the hashes made with Spool's parameters need no rehash")
    }

    /// Spool hashes; argon2-cffi verifies each, refuses the wrong password, and finds Spool's
    /// parameters in the string.
    func testHashesFromHereVerifyInArgon2CFFI() throws {
        let hashers = [PasswordHasher.standard, try PasswordHasher(parameters: Argon2Parameters(memoryKiB: 1024, iterations: 2, parallelism: 2, saltLength: 32, hashLength: 64))]
        let cases = try hashers.flatMap { hasher in try Self.passwords.map { Case(password: $0, encoded: try hasher.hash($0)) } }
        struct Verdict: Codable { var right: Bool; var wrong: Bool; var parameters: [Int] }
        let script = """
        import json, sys
        from argon2 import PasswordHasher, extract_parameters
        from argon2.exceptions import VerifyMismatchError
        def verify(encoded, password):
            try:
                return PasswordHasher().verify(encoded, password)
            except VerifyMismatchError:
                return False
        out = []
        for case in json.load(sys.stdin):
            p = extract_parameters(case["encoded"])
            out.append({"right": verify(case["encoded"], case["password"]),
                        "wrong": verify(case["encoded"], case["wrong"]),
                        "parameters": [p.memory_cost, p.time_cost, p.parallelism, p.salt_len, p.hash_len]})
        print(json.dumps(out))
        """
        struct Input: Codable { var password: String; var wrong: String; var encoded: String }
        let input = cases.map { Input(password: $0.password, wrong: Self.wrong($0.password), encoded: $0.encoded) }
        let verdicts = try PythonReference.run(script, input: input, as: [Verdict].self)
        XCTAssertEqual(verdicts.count, cases.count)
        for (index, verdict) in verdicts.enumerated() {
            XCTAssertTrue(verdict.right, cases[index].encoded)
            XCTAssertFalse(verdict.wrong, cases[index].encoded)
            let parameters = hashers[index / Self.passwords.count].parameters
            XCTAssertEqual(verdict.parameters, [Int(parameters.memoryKiB), Int(parameters.iterations), Int(parameters.parallelism), parameters.saltLength, parameters.hashLength])
        }
    }
}
