import CLibEvent

/// An OpenSSL server context from a certificate chain and key; evhttp asks it for one TLS
/// bufferevent per accepted connection (libevent's `bufferevent_openssl`), so everything above
/// the socket — requests, sendfile bodies, WebSocket upgrades — works unchanged over HTTPS.
final class TLSContext: @unchecked Sendable {
    private let context: OpaquePointer

    init(files: TLSFiles) throws {
        guard let context = SSL_CTX_new(TLS_server_method()) else { throw HTTPServerError.tls(Self.lastError()) }
        self.context = context
        guard SSL_CTX_use_certificate_chain_file(context, files.certificateChainPath) == 1 else {
            throw HTTPServerError.tls("certificate \(files.certificateChainPath): \(Self.lastError())")
        }
        guard SSL_CTX_use_PrivateKey_file(context, files.privateKeyPath, SSL_FILETYPE_PEM) == 1 else {
            throw HTTPServerError.tls("private key \(files.privateKeyPath): \(Self.lastError())")
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw HTTPServerError.tls("the private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(context) }

    /// A TLS bufferevent for one accepted socket (evhttp sets its descriptor next).
    func makeBufferEvent(base: OpaquePointer) -> OpaquePointer? {
        guard let ssl = SSL_new(context) else { return nil }
        let event = bufferevent_openssl_socket_new(
            base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, Int32(BEV_OPT_CLOSE_ON_FREE.rawValue))
        // Browsers and curl often close without a TLS close_notify; that is not an error.
        if let event { bufferevent_openssl_set_allow_dirty_shutdown(event, 1) }
        return event
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "unknown OpenSSL error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
