extension Sequence {
    /// The first `count` elements of `sorted(by:)`, equal elements in their original order,
    /// without ordering the rest.
    ///
    /// A page of `getAlbumList2` by name needs its first `offset + size` albums of ~500: each
    /// comparison of two names is ICU collation (`localizedStandardCompare`, a few µs), and a
    /// full sort made 4,000–4,500 of them (43–57 ms per call at 500 sources, docs/benchmarks.md).
    /// Here most elements cost one comparison with the last kept one, and the kept ones a binary
    /// search each:
    ///
    /// ```swift
    /// [5, 1, 4, 2, 3].sortedPrefix(2, by: <)   // [1, 2]
    /// ```
    public func sortedPrefix(_ count: Int, by areInIncreasingOrder: (Element, Element) throws -> Bool) rethrows -> [Element] {
        guard count > 0 else { return [] }
        var kept: [Element] = []
        kept.reserveCapacity(Swift.min(count, underestimatedCount) + 1)
        for element in self {
            // Not before the last kept one: it belongs after every kept one (ties keep their order).
            if let last = kept.last, try !areInIncreasingOrder(element, last) {
                if kept.count < count { kept.append(element) }
                continue
            }
            // After every kept element that is not greater (the upper bound), as a stable sort would.
            var low = 0
            var high = kept.count
            while low < high {
                let middle = (low + high) / 2
                if try areInIncreasingOrder(element, kept[middle]) { high = middle } else { low = middle + 1 }
            }
            kept.insert(element, at: low)
            if kept.count > count { kept.removeLast() }
        }
        return kept
    }
}
