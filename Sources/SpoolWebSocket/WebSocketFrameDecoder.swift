/// Turns bytes read from a WebSocket client into `WebSocketEvent`s, enforcing the server-side
/// rules of RFC 6455.
///
/// Incremental: `append(_:)` whatever the socket delivered (any split, even a byte at a time),
/// then call `nextEvent()` until it returns nil. The first violation is thrown and then rethrown
/// on every later call, because after failing the connection nothing more may be processed.
/// After a close frame, `nextEvent()` returns nil for good and later bytes are dropped.
///
/// Violations are detected as soon as the bytes that reveal them arrive — a header claiming a
/// message over `maximumMessageSize` is refused before its payload is buffered, so a client
/// cannot make the server hold more than one message's worth of memory.
public struct WebSocketFrameDecoder: Sendable {
    /// 1 MiB: far above anything Spool's clients send (they mostly listen), small enough that
    /// a thousand clients cannot exhaust memory.
    public static let defaultMaximumMessageSize = 1 << 20

    /// The largest message, after reassembly of fragments, that will be accepted (else 1009).
    public let maximumMessageSize: Int

    /// Whether a close frame has been decoded; from then on no more events are produced.
    public private(set) var hasReceivedCloseFrame = false

    private var buffer: [UInt8] = []
    private var readIndex = 0
    /// The opcode of the message whose fragments are being collected, if any.
    private var fragmentedOpcode: WebSocketOpcode?
    private var fragmentedPayload: [UInt8] = []
    private var failure: WebSocketProtocolViolation?

    /// Creates a decoder that refuses messages larger than `maximumMessageSize` bytes.
    public init(maximumMessageSize: Int = WebSocketFrameDecoder.defaultMaximumMessageSize) {
        precondition(maximumMessageSize >= 0, "maximumMessageSize must not be negative")
        self.maximumMessageSize = maximumMessageSize
    }

    /// Bytes received but not yet consumed by a complete frame.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes read from the socket. Ignored once the connection failed or closed.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard failure == nil, !hasReceivedCloseFrame else { return }
        discardConsumedBytes()
        buffer.append(contentsOf: bytes)
    }

    /// Returns the next complete event, or nil when more bytes are needed.
    ///
    /// - Throws: the violation that fails the connection; the same one on every later call.
    public mutating func nextEvent() throws(WebSocketProtocolViolation) -> WebSocketEvent? {
        if let failure { throw failure }
        do throws(WebSocketProtocolViolation) {
            while !hasReceivedCloseFrame, let frame = try decodeNextFrame() {
                if let event = try event(for: frame) { return event }
            }
            return nil
        } catch {
            failure = error
            // Nothing more will be read; free the memory now rather than when the socket goes.
            buffer = []
            fragmentedPayload = []
            readIndex = 0
            throw error
        }
    }

    // MARK: - Frames

    private struct Frame {
        var isFinal: Bool
        var opcode: WebSocketOpcode
        var payload: [UInt8]
    }

    /// Decodes one frame if it is complete, checking everything that can be checked per frame.
    private mutating func decodeNextFrame() throws(WebSocketProtocolViolation) -> Frame? {
        let available = buffer.count - readIndex
        guard available >= 2 else { return nil }
        let first = buffer[readIndex]
        let second = buffer[readIndex + 1]

        let isFinal = first & 0x80 != 0
        // No extension is ever negotiated, so RSV1–3 have no meaning here (§5.2).
        guard first & 0x70 == 0 else { throw violation(.protocolError, "reserved bits set") }
        guard let opcode = WebSocketOpcode(rawValue: first & 0x0F) else {
            throw violation(.protocolError, "unknown opcode")
        }
        // Masking is what stops a page from steering bytes on the wire at proxies (§10.3).
        guard second & 0x80 != 0 else { throw violation(.protocolError, "client frame not masked") }

        // Sequence checks use only the header, so they fire before any payload is waited for.
        switch opcode {
        case .continuation:
            guard fragmentedOpcode != nil else { throw violation(.protocolError, "continuation without a message") }
        case .text, .binary:
            guard fragmentedOpcode == nil else {
                throw violation(.protocolError, "new message inside a fragmented message")
            }
        case .close, .ping, .pong:
            guard isFinal else { throw violation(.protocolError, "fragmented control frame") }
        }

        let shortLength = second & 0x7F
        if opcode.isControl, shortLength > 125 {
            throw violation(.protocolError, "control frame payload over 125 bytes")
        }
        var headerLength = 2
        let payloadLength: UInt64
        switch shortLength {
        case 126:
            headerLength += 2
            guard available >= headerLength else { return nil }
            payloadLength = readBigEndian(at: readIndex + 2, byteCount: 2)
        case 127:
            headerLength += 8
            guard available >= headerLength else { return nil }
            payloadLength = readBigEndian(at: readIndex + 2, byteCount: 8)
            guard payloadLength >> 63 == 0 else { throw violation(.protocolError, "64-bit length with top bit set") }
        default:
            payloadLength = UInt64(shortLength)
        }

        if !opcode.isControl {
            // Counts the fragments already held, so a message cannot grow past the limit in pieces.
            let alreadyAssembled = opcode == .continuation ? fragmentedPayload.count : 0
            guard payloadLength <= UInt64(maximumMessageSize - alreadyAssembled) else {
                throw violation(.messageTooBig, "message over \(maximumMessageSize) bytes")
            }
        }

        let maskStart = readIndex + headerLength
        headerLength += 4
        // Safe: the length is now at most maximumMessageSize or 125.
        let count = Int(payloadLength)
        guard available >= headerLength + count else { return nil }

        let mask = (buffer[maskStart], buffer[maskStart + 1], buffer[maskStart + 2], buffer[maskStart + 3])
        let payloadStart = readIndex + headerLength
        let payload = [UInt8](unsafeUninitializedCapacity: count) { output, initializedCount in
            buffer.withUnsafeBufferPointer { input in
                var index = 0
                while index < count {
                    let key: UInt8
                    switch index & 3 {
                    case 0: key = mask.0
                    case 1: key = mask.1
                    case 2: key = mask.2
                    default: key = mask.3
                    }
                    output[index] = input[payloadStart + index] ^ key
                    index += 1
                }
            }
            initializedCount = count
        }
        readIndex += headerLength + count
        return Frame(isFinal: isFinal, opcode: opcode, payload: payload)
    }

    private func readBigEndian(at offset: Int, byteCount: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in offset..<(offset + byteCount) {
            value = value << 8 | UInt64(buffer[index])
        }
        return value
    }

    // MARK: - Messages

    /// Turns a frame into an event, or nil when it was a fragment of an unfinished message.
    private mutating func event(for frame: Frame) throws(WebSocketProtocolViolation) -> WebSocketEvent? {
        switch frame.opcode {
        case .ping:
            return .ping(frame.payload)
        case .pong:
            return .pong(frame.payload)
        case .close:
            hasReceivedCloseFrame = true
            return try closeEvent(payload: frame.payload)
        case .text, .binary:
            guard frame.isFinal else {
                fragmentedOpcode = frame.opcode
                fragmentedPayload = frame.payload
                return nil
            }
            return try message(opcode: frame.opcode, payload: frame.payload)
        case .continuation:
            fragmentedPayload.append(contentsOf: frame.payload)
            guard frame.isFinal, let opcode = fragmentedOpcode else { return nil }
            let payload = fragmentedPayload
            fragmentedOpcode = nil
            fragmentedPayload = []
            return try message(opcode: opcode, payload: payload)
        }
    }

    /// Text is validated on the whole message: a fragment may end inside a UTF-8 sequence.
    private func message(opcode: WebSocketOpcode, payload: [UInt8]) throws(WebSocketProtocolViolation) -> WebSocketEvent {
        guard opcode == .text else { return .binary(payload) }
        guard let text = WebSocketStrictUTF8.decode(payload) else {
            throw violation(.invalidPayloadData, "text message not valid UTF-8")
        }
        return .text(text)
    }

    private func closeEvent(payload: [UInt8]) throws(WebSocketProtocolViolation) -> WebSocketEvent {
        guard !payload.isEmpty else { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw violation(.protocolError, "close payload of 1 byte") }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode(rawValue: code).isAllowedInCloseFrame else {
            throw violation(.protocolError, "invalid close code")
        }
        // 1007 as for text messages: the reason is data that is not what its type says.
        guard let reason = WebSocketStrictUTF8.decode(Array(payload[2...])) else {
            throw violation(.invalidPayloadData, "close reason not valid UTF-8")
        }
        return .close(code: code, reason: reason)
    }

    private func violation(_ code: WebSocketCloseCode, _ reason: String) -> WebSocketProtocolViolation {
        WebSocketProtocolViolation(closeCode: code, reason: reason)
    }

    // MARK: - Buffer

    /// Drops consumed bytes before appending, so the buffer holds at most one partial frame
    /// plus what the last read brought, instead of growing with the connection's lifetime.
    private mutating func discardConsumedBytes() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            // Keep a small allocation for the next read; let a large one (after a big message) go.
            buffer.removeAll(keepingCapacity: buffer.capacity <= 16 * 1024)
        } else {
            buffer.removeSubrange(0..<readIndex)
        }
        readIndex = 0
    }
}
