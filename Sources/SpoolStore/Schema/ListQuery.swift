import GRDB

/// A read that one page of a list runs: its SQL and its arguments. The services build these
/// and run them, and `ListQueryPlanTests` runs `EXPLAIN QUERY PLAN` on exactly the same text,
/// so a query can never drift from the plan that was checked.
public struct ListQuery: Sendable, CustomStringConvertible {
    public var sql: String
    public var arguments: StatementArguments

    public init(_ sql: String, _ arguments: StatementArguments = []) {
        self.sql = sql
        self.arguments = arguments
    }

    public var description: String { sql }
}
