/// The 4-bit frame opcode (RFC 6455 §5.2). Internal: callers deal in messages, not frames.
enum WebSocketOpcode: UInt8, Sendable {
    case continuation = 0x0
    case text = 0x1
    case binary = 0x2
    case close = 0x8
    case ping = 0x9
    case pong = 0xA

    /// Control frames (close, ping, pong) may not be fragmented and carry at most 125 bytes.
    var isControl: Bool { rawValue & 0x8 != 0 }
}
