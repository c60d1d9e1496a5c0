import CLibSSL
import Foundation
import Glibc

/// What the webhook's HTTPS client trusts: the system's certificate authorities, or only the
/// ones in `WEBHOOK_CA_FILE` (a home server with a CA of its own: Home Assistant behind a
/// private CA, a step-ca or mkcert CA). One OpenSSL context for the process's life; every send
/// makes its own `SSL` from it (an `SSL_CTX` is safe to share once set up).
///
/// The peer is always verified — chain and name (`SSL_set1_host`, or the IP address for a
/// literal such as `https://192.168.1.5/`) — and TLS 1.2 is the floor. A CA file *replaces*
/// the system's store, as curl's `--cacert` and Python's `cafile` do: trusting a home CA should
/// not mean trusting it beside 140 public ones for the same URL, and a file that needs both
/// can hold both.
final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer
    /// The CA file trusted instead of the system's store, if any.
    let caFile: String?

    /// - Throws: `HTTPPost.Failure` saying what is wrong with `caFile` (unreadable, no PEM
    ///   certificate in it) or, without one, that OpenSSL has no store.
    init(caFile: String?) throws(HTTPPost.Failure) {
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw HTTPPost.Failure("OpenSSL could not make a TLS context: \(Self.openSSLError())")
        }
        self.context = context
        self.caFile = caFile
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        _ = spool_ssl_ctx_configure_client(context)
        if let caFile {
            // Read it first: OpenSSL's error for a missing file ("system lib") names neither
            // the file nor the reason.
            let descriptor = open(caFile, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw HTTPPost.Failure("cannot read '\(caFile)': \(String(cString: strerror(errno)))")
            }
            close(descriptor)
            ERR_clear_error()
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw HTTPPost.Failure("'\(caFile)' holds no PEM certificate (\(Self.openSSLError()))")
            }
        } else {
            // The distribution's store (/etc/ssl/certs of ca-certificates, also in the image).
            _ = SSL_CTX_set_default_verify_paths(context)
        }
    }

    deinit { SSL_CTX_free(context) }

    /// The oldest error on this thread's OpenSSL queue, in words, and the queue emptied.
    static func openSSLError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "no detail from OpenSSL" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        // "error:0A000086:SSL routines::certificate verify failed" → the words after the last "::"/":".
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return text.components(separatedBy: ":").last.map { $0.isEmpty ? text : $0 } ?? text
    }
}

/// One TLS session over a connected non-blocking socket, for `HTTPPost`: the handshake and
/// the peer check, then reads and writes that say when they would block.
final class TLSSession {
    private let ssl: OpaquePointer
    private let host: String

    /// Sets up the session for `host` (the name to verify and to send as SNI).
    init(context: TLSClientContext, socket: Int32, host: String) throws(HTTPPost.Failure) {
        guard let ssl = SSL_new(context.context) else {
            throw HTTPPost.Failure("OpenSSL could not make a TLS session: \(TLSClientContext.openSSLError())")
        }
        self.ssl = ssl
        self.host = host
        SSL_set_fd(ssl, socket)
        var address = in6_addr()
        let isLiteral = inet_pton(AF_INET, host, &address) == 1 || inet_pton(AF_INET6, host, &address) == 1
        // An IP literal is checked against the certificate's IP addresses (SNI may not carry
        // one); a name against its DNS names, and sent as SNI for servers with several sites.
        let named = isLiteral
            ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host) == 1
            : SSL_set1_host(ssl, host) == 1 && spool_ssl_set_server_name(ssl, host) == 1
        guard named else { throw HTTPPost.Failure("cannot check a certificate for '\(host)': \(TLSClientContext.openSSLError())") }
    }

    deinit { SSL_free(ssl) }

    /// What a step of the session asks for next.
    enum Step {
        case done(Int)
        case wantRead
        case wantWrite
        /// The peer closed the connection.
        case closed
    }

    func handshake() throws(HTTPPost.Failure) -> Step {
        ERR_clear_error()
        let result = SSL_connect(ssl)
        if result == 1 { return .done(0) }
        return try step(after: result, failure: "the TLS handshake failed")
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(HTTPPost.Failure) -> Step {
        ERR_clear_error()
        var written = 0
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &written) == 1 { return .done(written) }
        return try step(after: 0, failure: "the connection failed while sending")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(HTTPPost.Failure) -> Step {
        ERR_clear_error()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .done(count) }
        return try step(after: 0, failure: "the connection failed while reading the answer")
    }

    /// Tells the peer the session ends (one non-blocking try: the request is over anyway).
    func close() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    private func step(after result: Int32, failure: String) throws(HTTPPost.Failure) -> Step {
        let savedErrno = errno
        let error = SSL_get_error(ssl, result)
        switch error {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        default: break
        }
        let verification = SSL_get_verify_result(ssl)
        if verification != Int(X509_V_OK) {
            let reason = String(cString: X509_verify_cert_error_string(verification))
            if verification == Int(X509_V_ERR_HOSTNAME_MISMATCH) || verification == Int(X509_V_ERR_IP_ADDRESS_MISMATCH) {
                throw HTTPPost.Failure("the server's certificate is not for \(host): \(reason)")
            }
            throw HTTPPost.Failure("the server's certificate is not trusted: \(reason) (WEBHOOK_CA_FILE names a CA to trust)")
        }
        if error == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 {
            throw HTTPPost.Failure("\(failure): \(savedErrno == 0 ? "the server closed the connection" : String(cString: strerror(savedErrno)))")
        }
        throw HTTPPost.Failure("\(failure): \(TLSClientContext.openSSLError())")
    }
}
