internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (seeded from the kernel's
/// `getrandom`): salts, nonces, session ids, API keys, server keys.
public enum RandomBytes {
    /// `count` random bytes. A failing generator is not something to carry on from (every token
    /// minted after it would be guessable), so it stops the process with OpenSSL's reason.
    public static func generate(_ count: Int) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "random byte count out of range: \(count)")
        var bytes = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return bytes }
        let result = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32($0.count)) }
        guard result == 1 else {
            fatalError("OpenSSL's random generator failed: \(OpenSSLError.latest())")
        }
        return bytes
    }
}
