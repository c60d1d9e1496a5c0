/// The cost of an Argon2id hash; stored in every hash (`m=…,t=…,p=…` and the salt and hash
/// lengths), so that raising them later re-hashes each password at its owner's next sign-in
/// (`PasswordHasher.needsRehash`) without invalidating any.
public struct Argon2Parameters: Sendable, Hashable, CustomStringConvertible {
    /// Memory in KiB (`m`). Memory is what makes guessing on GPUs and ASICs expensive.
    public var memoryKiB: UInt32
    /// Passes over the memory (`t`).
    public var iterations: UInt32
    /// Lanes (`p`), computed on as many threads.
    public var parallelism: UInt32
    public var saltLength: Int
    public var hashLength: Int

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, saltLength: Int = 16, hashLength: Int = 32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
        self.saltLength = saltLength
        self.hashLength = hashLength
    }

    /// Spool's default for a 2-core home server: 64 MiB, 3 passes, 1 lane, 16-byte salt,
    /// 32-byte hash.
    ///
    /// - 64 MiB and t=3 are RFC 9106's second recommended option (§4, for memory-constrained
    ///   settings), above OWASP's 2024 minimum (19 MiB, t=2, p=1): a guess costs 64 MiB × 3 passes.
    /// - One lane, not RFC 9106's four: a sign-in then occupies one core, and the other keeps
    ///   serving music. Lanes add no cost for an attacker, who runs guesses side by side anyway.
    /// - It takes about 0.2 s on this project's 2-core test machine (see docs/features/accounts.md
    ///   for the benchmark line), slow for a guesser, unnoticeable once per sign-in.
    /// - Memory is held only while a hash runs; 8 sign-ins at once take 512 MiB, which is why the
    ///   caller runs hashes on a bounded queue (docs/features/accounts.md).
    public static let `default` = Argon2Parameters(memoryKiB: 65_536, iterations: 3, parallelism: 1)

    /// What this server will compute for a stored hash. A hash string is data read from the
    /// database; without bounds a damaged or planted row could ask for 4 TiB and 2^32 passes.
    /// The ranges hold every sane setting and the hashes of other tools' defaults (argon2-cffi:
    /// 64 MiB, t=3, p=4).
    public static let storedMemoryKiB: ClosedRange<UInt32> = 8...1_048_576     // up to 1 GiB
    public static let storedIterations: ClosedRange<UInt32> = 1...64
    public static let storedParallelism: ClosedRange<UInt32> = 1...16
    public static let storedSaltLength: ClosedRange<Int> = 8...64           // libargon2's minimum is 8
    public static let storedHashLength: ClosedRange<Int> = 16...64

    /// Whether this server computes a hash with these parameters; throws the first violation.
    public func validate() throws(PasswordHashError) {
        guard Self.storedParallelism.contains(parallelism) else {
            throw .parametersOutOfRange(reason: "p=\(parallelism) is outside \(Self.storedParallelism)")
        }
        guard Self.storedMemoryKiB.contains(memoryKiB) else {
            throw .parametersOutOfRange(reason: "m=\(memoryKiB) KiB is outside \(Self.storedMemoryKiB)")
        }
        guard memoryKiB >= 8 * parallelism else {
            throw .parametersOutOfRange(reason: "m=\(memoryKiB) KiB is below 8 KiB per lane (p=\(parallelism))")
        }
        guard Self.storedIterations.contains(iterations) else {
            throw .parametersOutOfRange(reason: "t=\(iterations) is outside \(Self.storedIterations)")
        }
        guard Self.storedSaltLength.contains(saltLength) else {
            throw .parametersOutOfRange(reason: "a \(saltLength)-byte salt is outside \(Self.storedSaltLength)")
        }
        guard Self.storedHashLength.contains(hashLength) else {
            throw .parametersOutOfRange(reason: "a \(hashLength)-byte hash is outside \(Self.storedHashLength)")
        }
    }

    public var description: String {
        "m=\(memoryKiB) KiB, t=\(iterations), p=\(parallelism), \(saltLength)-byte salt, \(hashLength)-byte hash"
    }
}
