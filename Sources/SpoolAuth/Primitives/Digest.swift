internal import COpenSSL

/// The fixed-function hashes accounts need, from OpenSSL's libcrypto (EVP one-shot calls).
///
/// - SHA-256 is the storage form of high-entropy tokens (session ids, API keys): see `TokenDigest`.
/// - MD5 exists only because the Subsonic protocol fixes it (`t = md5(password + salt)`); nothing
///   of Spool's own is hashed with it.
/// - HMAC-SHA-256 derives purpose-bound keys from the one server key (`ServerKey`).
///
/// These cannot fail short of a broken libcrypto (an allocation failure, a provider without the
/// algorithm), so they stop the process with a message instead of throwing at every call site.
public enum Digest {
    public static let sha256ByteCount = 32
    public static let md5ByteCount = 16

    public static func sha256(_ message: [UInt8]) -> [UInt8] {
        evpDigest(message, algorithm: EVP_sha256(), name: "SHA-256", size: sha256ByteCount)
    }

    public static func sha256(_ text: String) -> [UInt8] {
        sha256(Array(text.utf8))
    }

    public static func md5(_ message: [UInt8]) -> [UInt8] {
        evpDigest(message, algorithm: EVP_md5(), name: "MD5", size: md5ByteCount)
    }

    public static func md5(_ text: String) -> [UInt8] {
        md5(Array(text.utf8))
    }

    /// HMAC-SHA-256 (RFC 2104 with SHA-256, test vectors in RFC 4231).
    public static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: sha256ByteCount)
        var length: UInt32 = 0
        let result = key.withUnsafeBufferPointer { keyBuffer in
            message.withUnsafeBufferPointer { messageBuffer in
                output.withUnsafeMutableBufferPointer { outputBuffer in
                    HMAC(EVP_sha256(), keyBuffer.baseAddress, Int32(keyBuffer.count),
                         messageBuffer.baseAddress, messageBuffer.count, outputBuffer.baseAddress, &length)
                }
            }
        }
        guard result != nil, Int(length) == sha256ByteCount else {
            fatalError("libcrypto failed to compute HMAC-SHA-256: \(OpenSSLError.latest())")
        }
        return output
    }

    private static func evpDigest(_ message: [UInt8], algorithm: OpaquePointer?, name: String, size: Int) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: size)
        var length: UInt32 = 0
        let result = message.withUnsafeBufferPointer { messageBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                EVP_Digest(messageBuffer.baseAddress, messageBuffer.count, outputBuffer.baseAddress, &length, algorithm, nil)
            }
        }
        guard result == 1, Int(length) == size else {
            fatalError("libcrypto failed to compute \(name): \(OpenSSLError.latest())")
        }
        return output
    }
}

/// The newest entry of OpenSSL's thread-local error queue, as text (it then clears the queue).
enum OpenSSLError {
    static func latest() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no error queued" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
