internal import COpenSSL

/// AES-256 in Galois/Counter Mode (NIST SP 800-38D) through OpenSSL's EVP interface: the one
/// authenticated cipher SpoolAuth uses (`SecretBox`). 256-bit key, 96-bit nonce, 128-bit tag.
enum AES256GCM {
    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// The ciphertext (as long as `plaintext`) and the tag over it and `associatedData`.
    static func seal(key: [UInt8], nonce: [UInt8], plaintext: [UInt8], associatedData: [UInt8]) -> (ciphertext: [UInt8], tag: [UInt8]) {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount, "AES-256-GCM needs a 32-byte key and a 12-byte nonce")
        let context = newContext()
        defer { EVP_CIPHER_CTX_free(context) }
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var finalBlock = [UInt8](repeating: 0, count: 16)
        var length: Int32 = 0
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              update(context, encrypting: true, associatedData: associatedData),
              let ciphertext = update(context, encrypting: true, input: plaintext),
              EVP_EncryptFinal_ex(context, &finalBlock, &length) == 1, length == 0,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), &tag) == 1
        else { fatalError("libcrypto failed to encrypt with AES-256-GCM: \(OpenSSLError.latest())") }
        return (ciphertext, tag)
    }

    /// The plaintext, or nil when the tag does not match (wrong key, wrong associated data, or a
    /// changed nonce, ciphertext or tag). Nothing of an unauthenticated plaintext is returned.
    static func open(key: [UInt8], nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8], associatedData: [UInt8]) -> [UInt8]? {
        precondition(key.count == keyByteCount && nonce.count == nonceByteCount, "AES-256-GCM needs a 32-byte key and a 12-byte nonce")
        guard tag.count == tagByteCount else { return nil }
        let context = newContext()
        defer { EVP_CIPHER_CTX_free(context) }
        var expectedTag = tag
        var finalBlock = [UInt8](repeating: 0, count: 16)
        var length: Int32 = 0
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, key, nonce) == 1,
              update(context, encrypting: false, associatedData: associatedData),
              let plaintext = update(context, encrypting: false, input: ciphertext),
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), &expectedTag) == 1
        else { fatalError("libcrypto failed to decrypt with AES-256-GCM: \(OpenSSLError.latest())") }
        // The final step is where GCM compares the tag; its failure is an authentication failure.
        guard EVP_DecryptFinal_ex(context, &finalBlock, &length) == 1 else {
            ERR_clear_error()
            return nil
        }
        return plaintext
    }

    private static func newContext() -> OpaquePointer {
        guard let context = EVP_CIPHER_CTX_new() else {
            fatalError("libcrypto could not allocate a cipher context: \(OpenSSLError.latest())")
        }
        return context
    }

    /// Feeds `associatedData` into the tag (it is authenticated, not encrypted).
    private static func update(_ context: OpaquePointer, encrypting: Bool, associatedData: [UInt8]) -> Bool {
        guard !associatedData.isEmpty else { return true }
        var length: Int32 = 0
        let result = associatedData.withUnsafeBufferPointer { input in
            encrypting
                ? EVP_EncryptUpdate(context, nil, &length, input.baseAddress, Int32(input.count))
                : EVP_DecryptUpdate(context, nil, &length, input.baseAddress, Int32(input.count))
        }
        return result == 1
    }

    /// `input` through the cipher; GCM is a stream mode, so the output is as long as the input.
    private static func update(_ context: OpaquePointer, encrypting: Bool, input: [UInt8]) -> [UInt8]? {
        guard !input.isEmpty else { return [] }
        var output = [UInt8](repeating: 0, count: input.count)
        var length: Int32 = 0
        let result = input.withUnsafeBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                encrypting
                    ? EVP_EncryptUpdate(context, outputBuffer.baseAddress, &length, inputBuffer.baseAddress, Int32(inputBuffer.count))
                    : EVP_DecryptUpdate(context, outputBuffer.baseAddress, &length, inputBuffer.baseAddress, Int32(inputBuffer.count))
            }
        }
        return result == 1 && Int(length) == input.count ? output : nil
    }
}
