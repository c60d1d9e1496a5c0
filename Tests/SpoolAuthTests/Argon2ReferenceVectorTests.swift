import XCTest
@testable import SpoolAuth

/// Argon2id against the published test vectors: RFC 9106 §5.3 (also libargon2's kats/argon2id)
/// and the Argon2id cases of libargon2's src/test.c (version 0x13).
final class Argon2ReferenceVectorTests: XCTestCase {
    /// RFC 9106 §5.3: 32 bytes of 0x01, salt 16 × 0x02, secret 8 × 0x03, associated data
    /// 12 × 0x04, t=3, m=32 KiB, p=4, 32-byte tag.
    func testRFC9106Argon2idVector() throws {
        let tag = try Argon2id.hash(
            password: [UInt8](repeating: 0x01, count: 32), salt: [UInt8](repeating: 0x02, count: 16),
            secret: [UInt8](repeating: 0x03, count: 8), associatedData: [UInt8](repeating: 0x04, count: 12),
            memoryKiB: 32, iterations: 3, parallelism: 4, tagLength: 32
        ).get()
        XCTAssertEqual(Hex.encode(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659")
    }

    /// src/test.c of P-H-C/phc-winner-argon2: (t, log2 m, p, password, salt) → hex tag and the
    /// PHC string libargon2 writes. m=2^18 (256 MiB) is left out to spare the shared machine.
    static let libargon2Cases: [(t: UInt32, m: UInt32, p: UInt32, password: String, salt: String, hex: String, encoded: String)] = [
        (2, 1 << 16, 1, "password", "somesalt", "09316115d5cf24ed5a15a31a3ba326e5cf32edc24702987c02b6566f61913cf7",
         "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"),
        (2, 1 << 8, 1, "password", "somesalt", "9dfeb910e80bad0311fee20f9c0e2b12c17987b4cac90c2ef54d5b3021c68bfe",
         "$argon2id$v=19$m=256,t=2,p=1$c29tZXNhbHQ$nf65EOgLrQMR/uIPnA4rEsF5h7TKyQwu9U1bMCHGi/4"),
        (2, 1 << 8, 2, "password", "somesalt", "6d093c501fd5999645e0ea3bf620d7b8be7fd2db59c20d9fff9539da2bf57037",
         "$argon2id$v=19$m=256,t=2,p=2$c29tZXNhbHQ$bQk8UB/VmZZF4Oo79iDXuL5/0ttZwg2f/5U52iv1cDc"),
        (1, 1 << 16, 1, "password", "somesalt", "f6a5adc1ba723dddef9b5ac1d464e180fcd9dffc9d1cbf76cca2fed795d9ca98",
         "$argon2id$v=19$m=65536,t=1,p=1$c29tZXNhbHQ$9qWtwbpyPd3vm1rB1GThgPzZ3/ydHL92zKL+15XZypg"),
        (4, 1 << 16, 1, "password", "somesalt", "9025d48e68ef7395cca9079da4c4ec3affb3c8911fe4f86d1a2520856f63172c",
         "$argon2id$v=19$m=65536,t=4,p=1$c29tZXNhbHQ$kCXUjmjvc5XMqQedpMTsOv+zyJEf5PhtGiUghW9jFyw"),
        (2, 1 << 16, 1, "differentpassword", "somesalt", "0b84d652cf6b0c4beaef0dfe278ba6a80df6696281d7e0d2891b817d8c458fde",
         "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$C4TWUs9rDEvq7w3+J4umqA32aWKB1+DSiRuBfYxFj94"),
        (2, 1 << 16, 1, "password", "diffsalt", "bdf32b05ccc42eb15d58fd19b1f856b113da1e9a5874fdcc544308565aa8141c",
         "$argon2id$v=19$m=65536,t=2,p=1$ZGlmZnNhbHQ$vfMrBczELrFdWP0ZsfhWsRPaHppYdP3MVEMIVlqoFBw"),
    ]

    func testLibargon2TagsAndTheirPHCStrings() throws {
        for vector in Self.libargon2Cases {
            let salt = Array(vector.salt.utf8)
            let tag = try Argon2id.hash(password: Array(vector.password.utf8), salt: salt,
                                        memoryKiB: vector.m, iterations: vector.t, parallelism: vector.p, tagLength: 32).get()
            XCTAssertEqual(Hex.encode(tag), vector.hex, vector.encoded)
            let parameters = Argon2Parameters(memoryKiB: vector.m, iterations: vector.t, parallelism: vector.p, saltLength: salt.count, hashLength: 32)
            XCTAssertEqual(Argon2idHash(parameters: parameters, salt: salt, hash: tag).encoded, vector.encoded)
        }
    }

    /// The PHC strings libargon2 wrote are read back and verified by the hasher (whose own
    /// parameters differ: it must use the stored ones).
    func testLibargon2PHCStringsVerify() throws {
        let hasher = PasswordHasher.standard
        for vector in Self.libargon2Cases {
            XCTAssertTrue(try hasher.verify(vector.password, against: vector.encoded), vector.encoded)
            XCTAssertFalse(try hasher.verify(vector.password + "!", against: vector.encoded), vector.encoded)
            XCTAssertTrue(try hasher.needsRehash(vector.encoded), "test vectors use parameters other than the default")
        }
    }
}
