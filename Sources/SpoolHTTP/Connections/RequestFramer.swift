/// Reads the framing of HTTP/1.1 requests off a connection's raw bytes, strictly, before
/// evhttp parses them: where each head ends, what it says, and where its body ends.
///
/// Why a second parser in front of evhttp: evhttp 2.1 is lenient where leniency is request
/// smuggling behind a proxy that reads the bytes differently. It accepts a bare LF as a line
/// end, keeps `Transfer-Encoding :` as an unknown header (so the chunked body becomes the next
/// request), takes the first of two `Content-Length`s, reads `Content-Length: +2` with
/// `strtoll`, and stores header values cut at a NUL byte. It also buffers a whole body before
/// anyone may look at the head. This framer accepts only the unambiguous subset of HTTP/1.1
/// (RFC 9112) and reports each head as soon as it is complete, so the server decides on route,
/// size, credentials and host before a body byte is kept. Everything it accepts, evhttp parses
/// the same way, which is what lets the two run over the same bytes.
///
/// Incremental and free of I/O: `parse` whatever arrived (any split), get at most one event
/// per call, and call again with the bytes it did not consume. Bodies are counted, never kept.
/// The first error is final: after a framing error nobody can say where the next request starts.
struct RequestFramer {
    struct Limits: Sendable {
        /// Request line plus header fields, in bytes (431 beyond).
        var maximumHeadSize: Int
        /// Header fields per request (431 beyond).
        var maximumFieldCount: Int
    }

    enum Event {
        /// The first byte of a head arrived (the head's deadline starts).
        case headBegan
        /// A complete, valid head; its body (if any) follows.
        case head(RequestHead)
        /// The last byte of the current request's body arrived.
        case bodyEnded
    }

    private enum State {
        case betweenRequests
        case head
        case lengthBody(remaining: Int)
        case chunkSize(digits: Int, value: Int, sawCR: Bool)
        case chunkData(remaining: Int)
        case chunkDataEnd(sawCR: Bool)
        case lastChunkEnd(sawCR: Bool)
        case suspended
        case failed(HTTPFramingError)
    }

    let limits: Limits
    private var state = State.betweenRequests
    private var headBytes: [UInt8] = []
    private var bodyLimit = Int.max
    private var bodyReceived = 0

    init(limits: Limits) {
        self.limits = limits
    }

    /// Whether `suspend()` was called: later bytes are someone else's.
    var isSuspended: Bool {
        if case .suspended = state { return true }
        return false
    }

    /// Whether a head has begun and is not complete.
    var isInsideHead: Bool {
        if case .head = state { return true }
        return false
    }

    /// The most body bytes the current request may carry; a chunked body that passes it is a
    /// 413 (a declared `Content-Length` is checked by the caller against the same limit).
    mutating func limitBody(to bytes: Int) {
        bodyLimit = bytes
    }

    /// Stops reading: what follows the last head belongs to another protocol (a WebSocket).
    mutating func suspend() {
        state = .suspended
    }

    /// Consumes a prefix of `bytes` and returns how many were consumed and the event they
    /// completed, if any. Consumes all of them when no event completed.
    mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPFramingError) -> (consumed: Int, event: Event?) {
        switch state {
        case .failed(let error):
            throw error
        case .suspended:
            return (bytes.count, nil)
        case .betweenRequests:
            guard !bytes.isEmpty else { return (0, nil) }
            state = .head
            headBytes.removeAll(keepingCapacity: headBytes.capacity <= 4096)
            return (0, .headBegan)
        default:
            do {
                return try step(bytes)
            } catch {
                state = .failed(error)
                headBytes = []
                throw error
            }
        }
    }

    private mutating func step(_ bytes: UnsafeRawBufferPointer) throws(HTTPFramingError) -> (consumed: Int, event: Event?) {
        switch state {
        case .head:
            return try readHead(bytes)
        case .lengthBody(let remaining):
            let taken = min(remaining, bytes.count)
            if taken == remaining {
                state = .betweenRequests
                return (taken, .bodyEnded)
            }
            state = .lengthBody(remaining: remaining - taken)
            return (taken, nil)
        case .chunkData(let remaining):
            let taken = min(remaining, bytes.count)
            state = taken == remaining ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - taken)
            return (taken, nil)
        default:
            return try readChunkFraming(bytes)
        }
    }

    // MARK: - Head

    private mutating func readHead(_ bytes: UnsafeRawBufferPointer) throws(HTTPFramingError) -> (consumed: Int, event: Event?) {
        // One pass over the new bytes without copying them one by one (that cost 20 µs for a
        // browser's 700-byte head): line ends are checked as they go by, and the head is copied
        // once its end, or the chunk's, is found.
        var previous = headBytes.last ?? 0
        var end: Int?
        for index in 0..<bytes.count {
            let byte = bytes[index]
            if previous == Self.cr && byte != Self.lf {
                throw .malformed("A line of the request head has a CR without LF.")
            }
            if byte == Self.lf {
                guard previous == Self.cr else {
                    throw .malformed("Lines of the request head must end with CRLF, not a bare LF.")
                }
                let position = headBytes.count + index + 1  // the head's length up to this LF
                if position == 2 {
                    throw .malformed("The request begins with an empty line.")
                }
                if position >= 4 && byteOfHead(at: position - 3, chunk: bytes) == Self.lf {
                    end = index + 1
                    break
                }
            }
            previous = byte
        }
        let taken = end ?? bytes.count
        guard headBytes.count + taken <= limits.maximumHeadSize else {
            throw HTTPFramingError(
                status: 431, code: "headers_too_large",
                message: "The request line and headers are over \(limits.maximumHeadSize) bytes.")
        }
        headBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<taken]))
        guard end != nil else { return (taken, nil) }
        let head = try Self.parseHead(headBytes, limits: limits)
        bodyLimit = .max
        bodyReceived = 0
        switch head.bodyFraming {
        case .none, .length(0): state = .betweenRequests
        case .length(let length): state = .lengthBody(remaining: length)
        case .chunked: state = .chunkSize(digits: 0, value: 0, sawCR: false)
        }
        return (taken, .head(head))
    }

    /// The byte at `position` of the head being read: in what was kept, or in the new chunk.
    private func byteOfHead(at position: Int, chunk: UnsafeRawBufferPointer) -> UInt8 {
        position < headBytes.count ? headBytes[position] : chunk[position - headBytes.count]
    }

    /// Request line and fields of a complete head (`bytes` ends with CRLF CRLF).
    private static func parseHead(_ bytes: [UInt8], limits: Limits) throws(HTTPFramingError) -> RequestHead {
        var lines = Self.lines(of: bytes)
        let requestLine = lines.removeFirst()
        let (method, target, version) = try parseRequestLine(requestLine)
        guard lines.count <= limits.maximumFieldCount else {
            throw HTTPFramingError(status: 431, code: "headers_too_large",
                                   message: "The request has over \(limits.maximumFieldCount) header fields.")
        }
        var headers = HTTPHeaders()
        for line in lines {
            let (name, value) = try parseField(line)
            headers.add(name, value)
        }
        let framing = try bodyFraming(version: version, headers: headers)
        // evhttp reads no body for these whatever the headers say (`evhttp_method_may_have_body`).
        let readsBody: Bool
        switch method {
        case "GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH": readsBody = true
        default: readsBody = false
        }
        try checkHost(version: version, headers: headers)
        let expectations = headers.values(of: "Expect")
        guard expectations.isEmpty || (expectations.count == 1 && expectations[0].lowercased() == "100-continue") else {
            throw HTTPFramingError(status: 417, code: "expectation_failed",
                                   message: "The only expectation this server meets is 'Expect: 100-continue'.")
        }
        let ambiguous = !readsBody && framing != .none && framing != .length(0)
        return RequestHead(method: method, target: target, version: version, headers: headers, bodyFraming: framing,
                           bodyIsAmbiguous: ambiguous)
    }

    /// The head's lines without their CRLF, the closing empty line dropped.
    private static func lines(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == cr {
                lines.append(bytes[start..<index])
                index += 2
                start = index
            } else {
                index += 1
            }
        }
        lines.removeLast()  // the empty line that ends the head
        return lines
    }

    private static func parseRequestLine(
        _ line: ArraySlice<UInt8>
    ) throws(HTTPFramingError) -> (String, String, RequestHead.Version) {
        guard let first = line.firstIndex(of: space), let last = line.lastIndex(of: space), first < last,
              !line[line.index(after: first)..<last].contains(space) else {
            throw .malformed("The request line must be 'METHOD /path HTTP/1.1', with single spaces.")
        }
        let parts = [line[line.startIndex..<first], line[line.index(after: first)..<last], line[line.index(after: last)...]]
        guard !parts[0].isEmpty, parts[0].allSatisfy(isTokenCharacter) else {
            throw .malformed("The request method is not a valid token.")
        }
        let target = parts[1]
        guard target.first == slash else {
            throw .malformed("The request target must be a path beginning with '/' (absolute and asterisk forms are for proxies).")
        }
        guard target.count < 2 || target[target.startIndex + 1] != slash else {
            throw .malformed("The request target must not begin with '//'.")
        }
        guard target.allSatisfy({ (0x21...0x7E).contains($0) && $0 != UInt8(ascii: "#") }) else {
            throw .malformed("The request target contains a character that must be percent-encoded.")
        }
        let version: RequestHead.Version
        let versionBytes = parts[2]
        if versionBytes.elementsEqual("HTTP/1.1".utf8) {
            version = .http11
        } else if versionBytes.elementsEqual("HTTP/1.0".utf8) {
            version = .http10
        } else if versionBytes.count == 8, versionBytes.starts(with: "HTTP/".utf8),
                  versionBytes.dropFirst(5).allSatisfy({ (0x30...0x39).contains($0) || $0 == UInt8(ascii: ".") }) {
            throw HTTPFramingError(status: 505, code: "http_version_not_supported",
                                   message: "This server speaks HTTP/1.1 and HTTP/1.0.")
        } else {
            throw .malformed("The request line does not end with an HTTP version.")
        }
        return (String(decoding: parts[0], as: UTF8.self), String(decoding: target, as: UTF8.self), version)
    }

    private static func parseField(_ line: ArraySlice<UInt8>) throws(HTTPFramingError) -> (String, String) {
        guard let first = line.first, first != space, first != tab else {
            throw .malformed("A header line begins with whitespace (obsolete line folding is not accepted).")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            throw .malformed("A header line has no colon.")
        }
        let name = line[line.startIndex..<colon]
        guard !name.isEmpty, name.allSatisfy(isTokenCharacter) else {
            throw .malformed(name.contains(where: { $0 == space || $0 == tab })
                ? "A header name contains whitespace (no space is allowed before the colon)."
                : "A header name contains a character that is not allowed.")
        }
        var value = line[line.index(after: colon)...]
        while let byte = value.first, byte == space || byte == tab { value = value.dropFirst() }
        while let byte = value.last, byte == space || byte == tab { value = value.dropLast() }
        for byte in value where byte < 0x20 && byte != tab || byte == 0x7F {
            throw .malformed(byte == 0 ? "A header value contains a NUL byte." : "A header value contains a control character.")
        }
        let text = value.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
            ?? String(String.UnicodeScalarView(value.map { Unicode.Scalar($0) }))  // obs-text read as Latin-1
        return (name.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }, text)
    }

    /// How the body is delimited; refuses every shape two parsers could read differently.
    private static func bodyFraming(
        version: RequestHead.Version, headers: HTTPHeaders
    ) throws(HTTPFramingError) -> RequestHead.BodyFraming {
        let lengths = headers.values(of: "Content-Length")
        let encodings = headers.values(of: "Transfer-Encoding")
        guard lengths.count <= 1 else { throw .malformed("The request has more than one Content-Length header.") }
        guard encodings.count <= 1 else { throw .malformed("The request has more than one Transfer-Encoding header.") }
        var framing = RequestHead.BodyFraming.none
        if let length = lengths.first {
            guard !length.isEmpty, length.count <= 15, length.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
                  let value = Int(length) else {
                throw .malformed("Content-Length must be a number of bytes, digits only.")
            }
            framing = .length(value)
        }
        if let encoding = encodings.first {
            guard lengths.isEmpty else { throw .malformed("The request has both Content-Length and Transfer-Encoding.") }
            guard version == .http11 else { throw .malformed("Transfer-Encoding needs HTTP/1.1.") }
            guard encoding.lowercased() == "chunked" else {
                throw .malformed("The only Transfer-Encoding accepted is 'chunked'.")
            }
            framing = .chunked
        }
        return framing
    }

    private static func checkHost(version: RequestHead.Version, headers: HTTPHeaders) throws(HTTPFramingError) {
        let hosts = headers.values(of: "Host")
        if version == .http11 && hosts.isEmpty {
            throw .malformed("An HTTP/1.1 request must have a Host header.")
        }
        guard hosts.count <= 1 else { throw .malformed("The request has more than one Host header.") }
    }

    // MARK: - Chunked body

    private mutating func readChunkFraming(
        _ bytes: UnsafeRawBufferPointer
    ) throws(HTTPFramingError) -> (consumed: Int, event: Event?) {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch state {
            case .chunkSize(let digits, let value, let sawCR):
                if sawCR {
                    guard byte == Self.lf else { throw .malformed("A chunk size line must end with CRLF.") }
                    if value == 0 {
                        state = .lastChunkEnd(sawCR: false)
                    } else {
                        bodyReceived += value
                        guard bodyReceived <= bodyLimit else {
                            throw HTTPFramingError(status: 413, code: "payload_too_large",
                                                   message: "The request body is over \(bodyLimit) bytes, this endpoint's limit.")
                        }
                        state = .chunkData(remaining: value)
                        return (index, nil)
                    }
                } else if byte == Self.cr, digits > 0 {
                    state = .chunkSize(digits: digits, value: value, sawCR: true)
                } else if let digit = Self.hexValue(byte), digits < 15 {
                    state = .chunkSize(digits: digits + 1, value: value << 4 | digit, sawCR: false)
                } else {
                    throw .malformed("A chunk size must be hexadecimal digits followed by CRLF (no extensions).")
                }
            case .chunkDataEnd(let sawCR):
                if !sawCR && byte == Self.cr {
                    state = .chunkDataEnd(sawCR: true)
                } else if sawCR && byte == Self.lf {
                    state = .chunkSize(digits: 0, value: 0, sawCR: false)
                } else {
                    throw .malformed("Chunk data must be followed by CRLF.")
                }
            case .lastChunkEnd(let sawCR):
                if !sawCR && byte == Self.cr {
                    state = .lastChunkEnd(sawCR: true)
                } else if sawCR && byte == Self.lf {
                    state = .betweenRequests
                    return (index, .bodyEnded)
                } else {
                    throw .malformed("Request trailers are not accepted; the last chunk must be followed by CRLF.")
                }
            default:
                preconditionFailure("not in a chunk's framing")
            }
        }
        return (index, nil)
    }

    // MARK: - Bytes

    private static let cr = UInt8(ascii: "\r")
    private static let lf = UInt8(ascii: "\n")
    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let slash = UInt8(ascii: "/")

    /// `tchar` of RFC 9110 §5.6.2: what method and header names are made of.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        tokenCharacters[Int(byte)]
    }

    private static let tokenCharacters: [Bool] = (0..<256).map { value in
        let byte = UInt8(value)
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
