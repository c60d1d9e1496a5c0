/// A small XML element tree for feed documents, serialized with two-space indentation.
///
/// Feeds are a few hundred elements at most, so a tree is simpler than streaming, and it lets
/// each document be built in the order that reads best.
struct FeedElement {
    var name: String
    var attributes: [(String, String)] = []
    var children: [FeedElement] = []
    var text: String?

    init(_ name: String, attributes: [(String, String)] = [], text: String? = nil, children: [FeedElement] = []) {
        self.name = name
        self.attributes = attributes
        self.text = text
        self.children = children
    }

    /// The document: an XML declaration and this element as the root.
    func document() -> String {
        var output = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        serialize(into: &output, depth: 0)
        return output
    }

    private func serialize(into output: inout String, depth: Int) {
        let indent = String(repeating: "  ", count: depth)
        output += indent + "<" + name
        for (attribute, value) in attributes {
            output += " " + attribute + "=\"" + FeedText.escaped(value, inAttribute: true) + "\""
        }
        if children.isEmpty {
            if let text, !text.isEmpty {
                output += ">" + FeedText.escaped(text, inAttribute: false) + "</" + name + ">\n"
            } else {
                output += "/>\n"
            }
            return
        }
        output += ">\n"
        for child in children {
            child.serialize(into: &output, depth: depth + 1)
        }
        output += indent + "</" + name + ">\n"
    }
}

/// Making any text safe to put in a feed.
enum FeedText {
    /// Whether XML 1.0 can carry the character at all: tab, line feed, carriage return, and
    /// everything from U+0020 except the surrogates (never in a Swift string) and U+FFFE/U+FFFF.
    /// One other control character (YouTube titles carry U+0008 and U+001B) and podcastparser,
    /// feedparser and every podcast app reject the whole feed.
    static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: true
        case 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// The text with characters XML cannot carry removed and markup characters escaped; in an
    /// attribute, quotes are escaped and tab, line feed and carriage return become character
    /// references so attribute normalization does not turn them into spaces.
    static func escaped(_ text: String, inAttribute: Bool) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars where isAllowed(scalar) {
            switch scalar {
            case "&": result.append(contentsOf: "&amp;".unicodeScalars)
            case "<": result.append(contentsOf: "&lt;".unicodeScalars)
            case ">": result.append(contentsOf: "&gt;".unicodeScalars)
            case "\"" where inAttribute: result.append(contentsOf: "&quot;".unicodeScalars)
            case "\t" where inAttribute: result.append(contentsOf: "&#9;".unicodeScalars)
            case "\n" where inAttribute: result.append(contentsOf: "&#10;".unicodeScalars)
            case "\r": result.append(contentsOf: "&#13;".unicodeScalars)
            default: result.append(scalar)
            }
        }
        return String(result)
    }
}
