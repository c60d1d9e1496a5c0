internal import COpenSSL

/// Comparison of secrets in time that does not depend on where they differ.
///
/// An early-exit `==` on a token or an MD5 token lets a remote caller learn, byte by byte, how
/// much of a guess is right from the response time. Every comparison of a secret in SpoolAuth goes
/// through here (OpenSSL's `CRYPTO_memcmp`, written so the compiler cannot shortcut it).
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes. Their lengths are not secret (digests and MD5 tokens
    /// have fixed lengths), so different lengths return at once; equal lengths always cost the same.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBytes { aBytes in
            b.withUnsafeBytes { bBytes in
                CRYPTO_memcmp(aBytes.baseAddress, bBytes.baseAddress, aBytes.count) == 0
            }
        }
    }
}
