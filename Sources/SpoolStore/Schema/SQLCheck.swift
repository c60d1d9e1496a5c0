/// Builds SQL fragments from Swift enums, so a CHECK constraint is generated from the very
/// definition the code uses instead of being typed twice.
enum SQLCheck {
    /// `column IN ('a', 'b', …)` for every case of `type`, in declaration order.
    static func column<Value>(_ column: String, in type: Value.Type) -> String
    where Value: CaseIterable & RawRepresentable, Value.RawValue == String {
        let values = type.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return "\(column) IN (\(values))"
    }

    /// The same list as a parenthesised SQL literal list, for `WHERE status IN …` clauses.
    static func list<Value>(_ values: some Sequence<Value>) -> String
    where Value: RawRepresentable, Value.RawValue == String {
        "(" + values.map { "'\($0.rawValue)'" }.sorted().joined(separator: ", ") + ")"
    }
}
