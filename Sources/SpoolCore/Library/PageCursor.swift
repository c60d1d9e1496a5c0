import Foundation

/// An opaque position in a list, for keyset paging: the sort key and id of the last row a
/// page returned, so the next page starts after it with an index seek, whatever its depth
/// (an `OFFSET` walks and discards every earlier row: page 900 of the library cost 40 times
/// page 1). Every list of the API pages with it: `?before=<cursor>` in, `next_before` out.
///
/// On the wire it is base64url of a small JSON array; clients pass it back unchanged.
public struct PageCursor: Sendable, Equatable {
    /// The sort key of the last row (a number or a string), or nil when the list sorts by id alone.
    public var key: CursorKey?
    public var id: Int64

    public enum CursorKey: Sendable, Equatable {
        case number(Double)
        case text(String)

        var databaseValue: any Sendable {
            switch self {
            case .number(let value): value
            case .text(let value): value
            }
        }
    }

    public init(key: CursorKey? = nil, id: Int64) {
        self.key = key
        self.id = id
    }

    /// The wire form.
    public var token: String {
        let data: Data
        switch key {
        case .number(let value) where value.isFinite:
            // Swift's shortest round-trip digits: JSONSerialization writes 15 significant digits,
            // which rounds a timestamp (10 integer digits) to 10 µs — a cursor rounded up
            // repeated the last rows of the page (history, likes, trash, by time).
            data = Data("[\(id),\(value)]".utf8)
        case .text(let value):
            data = (try? JSONSerialization.data(withJSONObject: [id, value] as [Any])) ?? Data()
        case .number, nil:
            data = Data("[\(id)]".utf8)
        }
        return data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Reads a wire form; nil when it is not one (the caller answers 400 naming the parameter).
    public init?(token: String) {
        guard !token.isEmpty, token.count <= 1024 else { return nil }
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        // Numbers are read by Swift, digit for digit: JSONSerialization's reading, like its
        // writing, can be off in the last digits of a timestamp.
        if let text = String(data: data, encoding: .utf8), !text.contains("\""), text.hasPrefix("["), text.hasSuffix("]") {
            let parts = text.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard (1...2).contains(parts.count), let id = Int64(parts[0]) ?? Double(parts[0]).flatMap({ Int64(exactly: $0) }) else {
                return nil
            }
            self.id = id
            if parts.count == 2 {
                guard let value = Double(parts[1]), value.isFinite else { return nil }
                key = .number(value)
            }
            return
        }
        guard let parts = try? JSONSerialization.jsonObject(with: data) as? [Any], !parts.isEmpty,
              let number = parts[0] as? NSNumber, let id = Int64(exactly: number.doubleValue) else { return nil }
        self.id = id
        if parts.count > 1 {
            if let text = parts[1] as? String {
                key = .text(text)
            } else if let value = parts[1] as? NSNumber {
                key = .number(value.doubleValue)
            } else {
                return nil
            }
        }
    }
}

/// One page of a list: its items, where the next page starts (nil on the last page), and how
/// many items the list holds in all when that is known without counting them.
///
/// A search's total is counted up to `TrackLibrary.searchTotalCap`: past it, `total` is the
/// cap and `totalIsExact` is false ("1,000+").
public struct ListPage<Item: Sendable>: Sendable {
    public let items: [Item]
    public let next: PageCursor?
    public let total: Int?
    /// False when `total` is a lower bound: the list holds more than `total` items.
    public let totalIsExact: Bool

    public init(items: [Item], next: PageCursor?, total: Int?, totalIsExact: Bool = true) {
        self.items = items
        self.next = next
        self.total = total
        self.totalIsExact = totalIsExact
    }

    /// A page from the rows of a query that asked for `limit + 1`: the extra row only says that
    /// another page exists, and the cursor points after the last row shown.
    init(_ rows: [Item], limit: Int, total: Int?, totalIsExact: Bool = true, cursor: (Item) -> PageCursor) {
        items = Array(rows.prefix(limit))
        next = rows.count > limit ? items.last.map(cursor) : nil
        self.total = total
        self.totalIsExact = totalIsExact
    }
}
