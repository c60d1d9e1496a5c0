/// SHA-1 (FIPS 180-4), used only to compute `Sec-WebSocket-Accept`.
///
/// RFC 6455 fixes the hash, so there is nothing to choose; SHA-1 here is a checksum of a
/// public value, not a security primitive, which is why a small in-module implementation is
/// preferred over linking OpenSSL into the protocol code. Do not use it for anything else.
enum WebSocketSHA1 {
    /// Returns the 20-byte digest of `message`.
    static func digest(of message: some Sequence<UInt8>) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32) =
            (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)

        // Padding: 0x80, zeros up to 56 mod 64, then the bit length as a big-endian UInt64.
        var bytes = Array(message)
        let bitLength = UInt64(bytes.count) &* 8
        bytes.append(0x80)
        while bytes.count % 64 != 56 { bytes.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }

        var schedule = [UInt32](repeating: 0, count: 80)
        for blockStart in stride(from: 0, to: bytes.count, by: 64) {
            for index in 0..<16 {
                let offset = blockStart + index * 4
                schedule[index] = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                    | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
            }
            for index in 16..<80 {
                let mixed = schedule[index - 3] ^ schedule[index - 8] ^ schedule[index - 14] ^ schedule[index - 16]
                schedule[index] = mixed.rotatedLeft(by: 1)
            }

            var (a, b, c, d, e) = state
            for index in 0..<80 {
                let function: UInt32
                let constant: UInt32
                switch index {
                case 0..<20: function = (b & c) | (~b & d); constant = 0x5A82_7999
                case 20..<40: function = b ^ c ^ d; constant = 0x6ED9_EBA1
                case 40..<60: function = (b & c) | (b & d) | (c & d); constant = 0x8F1B_BCDC
                default: function = b ^ c ^ d; constant = 0xCA62_C1D6
                }
                let temporary = a.rotatedLeft(by: 5) &+ function &+ e &+ constant &+ schedule[index]
                e = d
                d = c
                c = b.rotatedLeft(by: 30)
                b = a
                a = temporary
            }
            state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e)
        }

        var digest: [UInt8] = []
        digest.reserveCapacity(20)
        for word in [state.0, state.1, state.2, state.3, state.4] {
            digest.append(contentsOf: [UInt8(word >> 24), UInt8(word >> 16 & 0xFF), UInt8(word >> 8 & 0xFF), UInt8(word & 0xFF)])
        }
        return digest
    }
}

extension UInt32 {
    fileprivate func rotatedLeft(by count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
