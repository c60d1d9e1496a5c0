/// The first range of a `Range: bytes=…` header (RFC 9110 §14.1): `a-b`, `a-` or `-n`.
/// A header that does not parse is ignored by the caller (the whole file is sent).
public struct ByteRange: Sendable, Equatable {
    public let first: Int64?
    public let last: Int64?

    public init?(header: String) {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst(6).split(separator: ",", omittingEmptySubsequences: false).first?
            .trimmingCharacters(in: .whitespaces) ?? ""
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let (start, end) = (parts[0], parts[1])
        guard start.allSatisfy(\.isNumber), end.allSatisfy(\.isNumber), !(start.isEmpty && end.isEmpty) else { return nil }
        first = start.isEmpty ? nil : Int64(start)
        last = end.isEmpty ? nil : Int64(end)
        if start.isEmpty == false && first == nil { return nil }
        if end.isEmpty == false && last == nil { return nil }
        if let first, let last, last < first { return nil }
    }

    /// The inclusive byte positions within a file of `size` bytes, or nil when unsatisfiable.
    public func resolve(size: Int64) -> (Int64, Int64)? {
        guard size > 0 else { return nil }
        if let first {
            guard first < size else { return nil }
            return (first, min(last ?? size - 1, size - 1))
        }
        guard let suffix = last, suffix > 0 else { return nil }
        return (max(0, size - suffix), size - 1)
    }
}

import Foundation
