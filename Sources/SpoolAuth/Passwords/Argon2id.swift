internal import CArgon2

/// One Argon2id computation (RFC 9106, version 0x13) through libargon2's `argon2_ctx`.
///
/// Spool's password hashes use no secret and no associated data; both exist here so that the
/// RFC 9106 §5.3 test vector, which uses them, runs through the very call the hasher makes.
enum Argon2id {
    /// The `tagLength`-byte tag, or libargon2's error code and message.
    static func hash(
        password: [UInt8], salt: [UInt8], secret: [UInt8] = [], associatedData: [UInt8] = [],
        memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32, tagLength: Int
    ) -> Result<[UInt8], PasswordHashError> {
        var tag = [UInt8](repeating: 0, count: tagLength)
        var password = password, salt = salt, secret = secret, associatedData = associatedData
        let code: Int32 = tag.withUnsafeMutableBufferPointer { tagBuffer in
            password.withUnsafeMutableBufferPointer { passwordBuffer in
                salt.withUnsafeMutableBufferPointer { saltBuffer in
                    secret.withUnsafeMutableBufferPointer { secretBuffer in
                        associatedData.withUnsafeMutableBufferPointer { associatedBuffer in
                            var context = argon2_context(
                                out: tagBuffer.baseAddress, outlen: UInt32(tagBuffer.count),
                                pwd: passwordBuffer.baseAddress, pwdlen: UInt32(passwordBuffer.count),
                                salt: saltBuffer.baseAddress, saltlen: UInt32(saltBuffer.count),
                                secret: secretBuffer.baseAddress, secretlen: UInt32(secretBuffer.count),
                                ad: associatedBuffer.baseAddress, adlen: UInt32(associatedBuffer.count),
                                t_cost: iterations, m_cost: memoryKiB, lanes: parallelism, threads: parallelism,
                                version: UInt32(ARGON2_VERSION_13.rawValue),
                                allocate_cbk: nil, free_cbk: nil, flags: spool_argon2_default_flags)
                            return argon2_ctx(&context, Argon2_id)
                        }
                    }
                }
            }
        }
        guard code == ARGON2_OK.rawValue else {
            return .failure(.argon2Failed(code: code, message: String(cString: argon2_error_message(code))))
        }
        return .success(tag)
    }
}
