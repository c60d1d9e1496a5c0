import Foundation

/// Writes one Subsonic document as XML or JSON from a single description of each type, so the
/// two forms cannot drift apart. Each model type says, in order: its attributes (XML attributes,
/// JSON members with typed values), then its child elements (XML elements, JSON members holding
/// an object or an array), then at most one text value (XML character data, JSON `"value"`).
///
/// The rules of the two forms, as Navidrome and the original Subsonic server produce them and
/// clients parse them:
/// - a list is repeated elements in XML and always an array in JSON, even of one element (a
///   bare object where an array is expected breaks py-opensonic and Symfonium alike);
/// - an empty legacy list is left out in both forms; an OpenSubsonic list the server supports is
///   written as `[]` in JSON when empty, because the spec asks servers to show which fields
///   they support;
/// - booleans are `true`/`false` in both, numbers are bare in JSON.
///
/// It appends straight to a byte buffer with no intermediate tree: a 500-song answer is one
/// pass, one growing array.
struct SubsonicWriter {
    enum Syntax { case xml, json }

    /// What an empty list becomes in JSON.
    enum EmptyList { case omitted, emptyArray }

    let syntax: Syntax
    private(set) var bytes: [UInt8] = []
    /// XML: the current element's start tag is still open (`<song id="1"` without `>`).
    private var startTagOpen = false
    /// JSON: the current object or array already has a member, so the next needs a comma.
    private var hasMember = false

    init(syntax: Syntax, reservingCapacity capacity: Int = 1024) {
        self.syntax = syntax
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Documents and elements

    /// The whole document: an XML declaration and the root element, or a JSON object with the
    /// root as its one member (`{"subsonic-response":{…}}`).
    mutating func document(root name: String, _ body: (inout SubsonicWriter) -> Void) {
        switch syntax {
        case .xml:
            append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            element(name, body)
        case .json:
            bytes.append(UInt8(ascii: "{"))
            hasMember = false
            element(name, body)
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// One child element / JSON object member.
    mutating func element(_ name: String, _ body: (inout SubsonicWriter) -> Void) {
        switch syntax {
        case .xml:
            closeStartTag()
            bytes.append(UInt8(ascii: "<"))
            append(name)
            startTagOpen = true
            body(&self)
            endElement(name)
        case .json:
            memberName(name)
            object(body)
        }
    }

    /// A list of child elements: repeated elements in XML, an array of objects in JSON.
    mutating func list<Item>(
        _ name: String, _ items: [Item], emptyInJSON: EmptyList = .omitted,
        _ body: (inout SubsonicWriter, Item) -> Void
    ) {
        switch syntax {
        case .xml:
            for item in items {
                element(name) { body(&$0, item) }
            }
        case .json:
            if items.isEmpty, emptyInJSON == .omitted { return }
            memberName(name)
            bytes.append(UInt8(ascii: "["))
            hasMember = false
            for item in items {
                separate()
                object { body(&$0, item) }
            }
            bytes.append(UInt8(ascii: "]"))
            hasMember = true
        }
    }

    /// A list of plain values: `<folder>1</folder><folder>2</folder>` in XML, `"folder":[1,2]`
    /// in JSON.
    mutating func valueList<Value: SubsonicScalar>(_ name: String, _ values: [Value], emptyInJSON: EmptyList = .omitted) {
        switch syntax {
        case .xml:
            for value in values {
                closeStartTag()
                bytes.append(UInt8(ascii: "<"))
                append(name)
                bytes.append(UInt8(ascii: ">"))
                value.writeXML(into: &bytes, inAttribute: false)
                bytes.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/")])
                append(name)
                bytes.append(UInt8(ascii: ">"))
            }
        case .json:
            if values.isEmpty, emptyInJSON == .omitted { return }
            memberName(name)
            bytes.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                value.writeJSON(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        }
    }

    // MARK: - Attributes and text

    /// An attribute; must come before any child element of the same element.
    mutating func attribute<Value: SubsonicScalar>(_ name: String, _ value: Value) {
        switch syntax {
        case .xml:
            precondition(startTagOpen, "attribute '\(name)' written after a child element")
            bytes.append(UInt8(ascii: " "))
            append(name)
            bytes.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
            value.writeXML(into: &bytes, inAttribute: true)
            bytes.append(UInt8(ascii: "\""))
        case .json:
            memberName(name)
            value.writeJSON(into: &bytes)
        }
    }

    /// An optional attribute: nothing at all when nil.
    mutating func attribute<Value: SubsonicScalar>(_ name: String, _ value: Value?) {
        if let value { attribute(name, value) }
    }

    /// An attribute of the XML form only (the root's `xmlns`).
    mutating func xmlOnlyAttribute(_ name: String, _ value: String) {
        if syntax == .xml { attribute(name, value) }
    }

    /// Character data: the element's text in XML, a `"value"` member in JSON (the form the
    /// spec gives `genre` and `lyrics`).
    mutating func text(_ value: String) {
        switch syntax {
        case .xml:
            closeStartTag()
            value.writeXML(into: &bytes, inAttribute: false)
        case .json:
            attribute("value", value)
        }
    }

    // MARK: - Mechanics

    private mutating func object(_ body: (inout SubsonicWriter) -> Void) {
        bytes.append(UInt8(ascii: "{"))
        hasMember = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        hasMember = true
    }

    private mutating func endElement(_ name: String) {
        if startTagOpen {
            bytes.append(contentsOf: [UInt8(ascii: "/"), UInt8(ascii: ">")])
            startTagOpen = false
        } else {
            bytes.append(contentsOf: [UInt8(ascii: "<"), UInt8(ascii: "/")])
            append(name)
            bytes.append(UInt8(ascii: ">"))
        }
    }

    private mutating func closeStartTag() {
        if startTagOpen {
            bytes.append(UInt8(ascii: ">"))
            startTagOpen = false
        }
    }

    private mutating func separate() {
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        hasMember = true
    }

    private mutating func memberName(_ name: String) {
        separate()
        bytes.append(UInt8(ascii: "\""))
        append(name)
        bytes.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
    }

    /// Text outside the document (a JSONP callback name, already checked to be a plain
    /// JavaScript name).
    mutating func appendRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Names are the spec's ASCII identifiers and need no escaping.
    private mutating func append(_ ascii: String) {
        bytes.append(contentsOf: ascii.utf8)
    }
}
