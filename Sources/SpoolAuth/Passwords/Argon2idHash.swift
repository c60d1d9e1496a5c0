/// A stored Argon2id hash in the PHC string format, the form libargon2, argon2-cffi, passlib and
/// most other tools write and read:
///
///     $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>
///
/// with salt and hash in unpadded standard Base64. Parsing is strict — exactly this field order,
/// decimal numbers without leading zeros, canonical Base64, parameters within
/// `Argon2Parameters`' stored ranges — so that a damaged value is reported, not half-used, and a
/// planted one cannot make the server allocate gigabytes.
public struct Argon2idHash: Sendable, Hashable {
    public static let identifier = "argon2id"
    public static let version = 19

    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32
    public var salt: [UInt8]
    public var hash: [UInt8]

    public var parameters: Argon2Parameters {
        Argon2Parameters(memoryKiB: memoryKiB, iterations: iterations, parallelism: parallelism, saltLength: salt.count, hashLength: hash.count)
    }

    init(parameters: Argon2Parameters, salt: [UInt8], hash: [UInt8]) {
        self.memoryKiB = parameters.memoryKiB
        self.iterations = parameters.iterations
        self.parallelism = parameters.parallelism
        self.salt = salt
        self.hash = hash
    }

    /// The PHC string.
    public var encoded: String {
        "$\(Self.identifier)$v=\(Self.version)$m=\(memoryKiB),t=\(iterations),p=\(parallelism)"
            + "$\(Base64.encode(salt, alphabet: .standard))$\(Base64.encode(hash, alphabet: .standard))"
    }

    public init(parsing encoded: String) throws(PasswordHashError) {
        // "$argon2id$v=19$m=…,t=…,p=…$salt$hash" splits into an empty first field and five more.
        let fields = encoded.split(separator: "$", omittingEmptySubsequences: false)
        guard fields.count >= 2, fields[0].isEmpty, !fields[1].isEmpty else {
            throw .malformedHash(reason: "it does not start with '$<algorithm>$'")
        }
        guard fields[1] == Self.identifier else { throw .unsupportedAlgorithm(String(fields[1].prefix(32))) }
        if fields.count == 5, !fields[2].hasPrefix("v=") {
            // The pre-1.3 format without a version field means version 16 (0x10).
            throw .unsupportedVersion("none (version 16)")
        }
        guard fields.count == 6 else {
            throw .malformedHash(reason: "\(fields.count - 1) '$'-separated fields instead of 5")
        }
        guard fields[2] == "v=\(Self.version)" else { throw .unsupportedVersion(String(fields[2].prefix(16))) }

        let parameters = fields[3].split(separator: ",", omittingEmptySubsequences: false)
        guard parameters.count == 3 else {
            throw .malformedHash(reason: "the parameters are not exactly 'm=…,t=…,p=…'")
        }
        memoryKiB = try Self.decimal(parameters[0], named: "m")
        iterations = try Self.decimal(parameters[1], named: "t")
        parallelism = try Self.decimal(parameters[2], named: "p")

        guard let salt = Base64.decode(fields[4], alphabet: .standard) else {
            throw .malformedHash(reason: "the salt is not unpadded Base64")
        }
        guard let hash = Base64.decode(fields[5], alphabet: .standard) else {
            throw .malformedHash(reason: "the hash is not unpadded Base64")
        }
        self.salt = salt
        self.hash = hash
        try self.parameters.validate()
    }

    /// `name=<decimal>` as PHC writes numbers: digits only, no sign, no leading zero, fits 32 bits.
    private static func decimal(_ field: Substring, named name: String) throws(PasswordHashError) -> UInt32 {
        guard field.hasPrefix("\(name)=") else {
            throw .malformedHash(reason: "expected '\(name)=' in the parameters, found '\(field.prefix(16))'")
        }
        let digits = field.dropFirst(name.count + 1)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), digits.count <= 10,
              digits.first != "0" || digits.count == 1, let value = UInt32(digits)
        else {
            throw .malformedHash(reason: "'\(name)' is not a decimal number of at most 32 bits")
        }
        return value
    }
}
