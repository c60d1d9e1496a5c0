import Foundation

/// Writes the Prometheus text exposition format (version 0.0.4): each metric family once, with
/// its `# HELP` and `# TYPE`, then its samples.
public struct PrometheusText: Sendable {
    public enum Kind: String, Sendable { case counter, gauge, histogram }

    public private(set) var text = ""

    public init() {}

    /// Starts a metric family.
    public mutating func family(_ name: String, _ kind: Kind, help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample line without labels.
    public mutating func sample(_ name: String, _ value: Double) {
        sample(name, [:], value)
    }

    /// One sample line; labels are written in the given order, values escaped.
    public mutating func sample(_ name: String, _ labels: KeyValuePairs<String, String>, _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.map { "\($0.key)=\"\(Self.escape($0.value))\"" }.joined(separator: ",") + "}"
        }
        text += " " + Self.format(value) + "\n"
    }

    /// A family holding a single sample.
    public mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        family(name, kind, help: help)
        sample(name, value)
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }
}
