import SpoolCore
import SpoolHTTP
import SpoolStore

/// Typed query parameters: every value is checked, and a bad one is a 400 that names it.
extension HTTPRequest {
    /// An integer within `range`, or `defaultValue` when absent or empty.
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = query[name], !text.isEmpty else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw DomainError.invalid(field: name, "must be a whole number from \(range.lowerBound) to \(range.upperBound).")
        }
        return value
    }

    /// A positive id, or nil when absent or empty.
    func optionalId(_ name: String) throws -> Int64? {
        guard let text = query[name], !text.isEmpty else { return nil }
        guard let value = Int64(text), value > 0 else {
            throw DomainError.invalid(field: name, "must be a positive id.")
        }
        return value
    }

    /// `true` or `false` (also `1`/`0`); anything else is refused rather than read as false.
    func boolean(_ name: String, default defaultValue: Bool = false) throws -> Bool {
        guard let text = query[name], !text.isEmpty else { return defaultValue }
        switch text.lowercased() {
        case "true", "1": return true
        case "false", "0": return false
        default: throw DomainError.invalid(field: name, "must be true or false.")
        }
    }

    /// The `limit` of a paged list: 100 when absent, at most 500 (every list of the API pages;
    /// none answers more than 500 items at once).
    func pageLimit() throws -> Int {
        try integer("limit", default: 100, in: 1...500)
    }

    /// The `before` cursor of a paged list (the previous page's `next_before`).
    func cursor(_ name: String = "before") throws -> PageCursor? {
        guard let text = query[name], !text.isEmpty else { return nil }
        guard let cursor = PageCursor(token: text) else {
            throw DomainError.invalid(field: name, "is not a cursor from this list's next_before.")
        }
        return cursor
    }

    /// One of an enum's raw values.
    func oneOf<Value: RawRepresentable & CaseIterable>(_ name: String, _ type: Value.Type) throws -> Value? where Value.RawValue == String {
        guard let text = query[name], !text.isEmpty else { return nil }
        guard let value = Value(rawValue: text) else {
            throw DomainError.invalid(field: name, "must be one of \(Value.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return value
    }
}
