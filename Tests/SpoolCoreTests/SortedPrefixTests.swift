import XCTest
@testable import SpoolCore

final class SortedPrefixTests: XCTestCase {
    /// Every length of prefix of many random lists, with many ties, is the stable sort's prefix.
    func testEveryPrefixIsTheStableSortsPrefix() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let values = (0..<Int.random(in: 0...60, using: &generator)).map { index in
                (key: Int.random(in: 0...9, using: &generator), index: index)
            }
            let stable = values.enumerated().sorted { ($0.element.key, $0.offset) < ($1.element.key, $1.offset) }.map(\.element)
            for count in [0, 1, 2, 5, values.count / 2, values.count, values.count + 3] {
                let prefix = values.sortedPrefix(count) { $0.key < $1.key }
                XCTAssertEqual(prefix.map(\.index), stable.prefix(count).map(\.index), "count \(count) of \(values)")
            }
        }
    }

    /// A page of 50 names of 500 costs far fewer comparisons than sorting them all.
    func testAShortPrefixComparesFarLessThanAFullSort() {
        let names = (0..<500).map { _ in String(UInt64.random(in: 0...UInt64.max), radix: 36) }
        var comparisons = 0
        let prefix = names.sortedPrefix(50) { comparisons += 1; return $0 < $1 }
        XCTAssertEqual(prefix, Array(names.sorted().prefix(50)))
        // A full sort of 500 makes ~4,000; one comparison per name and a few for each of the
        // ~50·ln(10) ≈ 115 expected insertions stay under half of that.
        XCTAssertLessThan(comparisons, 2_000)
    }
}
