/// A path pattern such as `/api/jobs/{id}/retry`: literal segments and `{name}` parameters.
struct RoutePattern: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let text: String
    let segments: [Segment]

    init(_ text: String) {
        self.text = text
        self.segments = text.split(separator: "/", omittingEmptySubsequences: true).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                .parameter(String(part.dropFirst().dropLast()))
            } else {
                .literal(String(part))
            }
        }
    }

    /// The parameters when `pathSegments` fits the pattern.
    func match(_ pathSegments: [Substring]) -> [String: String]? {
        guard pathSegments.count == segments.count else { return nil }
        // Literals first, so a path that does not fit costs no dictionary.
        for (segment, part) in zip(segments, pathSegments) {
            if case .literal(let literal) = segment, literal != part { return nil }
        }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, pathSegments) {
            if case .parameter(let name) = segment { parameters[name] = String(part) }
        }
        return parameters
    }

    /// Whether this pattern wins over `other` for a path both fit: at the first segment where
    /// one has a literal and the other a parameter, the literal wins.
    func isMoreSpecific(than other: RoutePattern) -> Bool {
        for (mine, theirs) in zip(segments, other.segments) {
            switch (mine, theirs) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
    }
}
