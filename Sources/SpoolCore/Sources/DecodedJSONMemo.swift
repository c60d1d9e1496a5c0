import Foundation
import Synchronization

/// The values decoded from stored JSON texts, remembered by text: a source's last sync
/// summary, filters and retention rules are stored as JSON and change only when a sync or the
/// user changes them, while the sources list decodes them for every source on every call
/// (three `JSONDecoder` runs per source: 9 % of the list's time at 500 sources with only the
/// summary set, 22 % with filters and retention on every source; docs/benchmarks.md).
///
/// Equal texts decode to equal values, so a remembered value is never stale. At most
/// `capacity` texts are kept; when full it starts over (the texts in use come back at the
/// next call).
///
/// ```swift
/// static let filters = DecodedJSONMemo(capacity: 2_048) { SourceFilters.decode($0) }
/// let decoded = Self.filters.value(of: source.filters)
/// ```
final class DecodedJSONMemo<Value: Sendable>: Sendable {
    private let capacity: Int
    private let decode: @Sendable (String) -> Value?
    private let values = Mutex<[String: Value?]>([:])

    init(capacity: Int, decode: @escaping @Sendable (String) -> Value?) {
        self.capacity = capacity
        self.decode = decode
    }

    /// The value `json` decodes to (nil for nil or for text that does not decode).
    func value(of json: String?) -> Value? {
        guard let json else { return nil }
        if let known = values.withLock({ $0[json] }) { return known }
        let value = decode(json)
        values.withLock { values in
            if values.count >= capacity { values.removeAll(keepingCapacity: true) }
            values[json] = .some(value)
        }
        return value
    }
}
