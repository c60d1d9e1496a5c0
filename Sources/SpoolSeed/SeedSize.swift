/// How much `LibrarySeed` writes.
public struct SeedSize: Sendable, Equatable, CustomStringConvertible {
    public var tracks: Int
    public var jobs: Int
    public var plays: Int
    public var sources: Int
    public var tombstones: Int

    public init(tracks: Int, jobs: Int, plays: Int, sources: Int, tombstones: Int) {
        self.tracks = tracks
        self.jobs = jobs
        self.plays = plays
        self.sources = sources
        self.tombstones = tombstones
    }

    /// Issue 19's library: what a user who mirrors a dozen big channels reaches within months.
    public static let large = SeedSize(tracks: 100_000, jobs: 300_000, plays: 1_000_000, sources: 500, tombstones: 10_000)

    /// The same proportions at 1,000 tracks: the benchmark's reference size.
    public static let small = SeedSize(tracks: 1_000, jobs: 3_000, plays: 10_000, sources: 5, tombstones: 100)

    /// `large` scaled to `tracks` tracks (at least one source).
    public static func proportional(tracks: Int) -> SeedSize {
        let scale = Double(tracks) / Double(large.tracks)
        func scaled(_ value: Int) -> Int { Int((Double(value) * scale).rounded()) }
        return SeedSize(tracks: tracks, jobs: scaled(large.jobs), plays: scaled(large.plays),
                        sources: max(1, scaled(large.sources)), tombstones: scaled(large.tombstones))
    }

    public var description: String {
        "\(tracks) tracks, \(jobs) jobs, \(plays) play events, \(sources) sources, \(tombstones) tombstones"
    }
}

/// SplitMix64: a small, fast, seedable generator, so a seed of a given size is the same
/// database every time (a test at N and at 2N rows compares like with like).
struct SeedRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// True with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < p
    }

    mutating func int(_ range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &self)
    }

    mutating func double(_ range: Range<Double>) -> Double {
        Double.random(in: range, using: &self)
    }
}

/// Draws indexes 0..<count with probability falling as 1/(rank+1)^exponent: a few big
/// channels and many small ones, a few tracks played far more than the rest.
struct ZipfTable {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        var cumulative: [Double] = []
        cumulative.reserveCapacity(count)
        for rank in 0..<max(1, count) {
            total += 1 / pow(Double(rank + 1), exponent)
            cumulative.append(total)
        }
        self.cumulative = cumulative.map { $0 / total }
    }

    func draw(_ random: inout SeedRandom) -> Int {
        let target = random.double(0..<1)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

#if canImport(Glibc)
import Glibc
#endif
