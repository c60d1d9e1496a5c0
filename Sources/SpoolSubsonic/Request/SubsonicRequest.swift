/// One Subsonic call as the protocol sees it: which method, in which format to answer, and its
/// parameters. Built from the raw pieces of an HTTP request (path, raw query string, body,
/// `Content-Type`), never from a decoded dictionary, because repeated names matter.
public struct SubsonicRequest: Sendable {
    public let endpoint: SubsonicEndpoint
    public let format: SubsonicFormat
    public let parameters: SubsonicParameters

    /// Parses a call. On failure the error comes with the format to render it in, taken from
    /// whatever `f` could be read, so a JSON client gets its error in JSON.
    ///
    /// - Parameters:
    ///   - path: `/rest/getAlbum.view`, `/rest/getAlbum` or just `getAlbum`.
    ///   - rawQuery: the query string as sent, still percent-encoded, without `?`.
    ///   - body: the request body; read only for `application/x-www-form-urlencoded`.
    public init(
        path: String, rawQuery: String?, body: [UInt8] = [], contentType: String? = nil,
        limits: SubsonicRequestLimits = .standard
    ) throws(SubsonicRequestFailure) {
        var collected: [(String, String)] = []
        var parseError: SubsonicError?
        do {
            try SubsonicParameters.collect(rawQuery: rawQuery, body: body, contentType: contentType, limits: limits, into: &collected)
        } catch {
            parseError = error
        }
        let parameters = SubsonicParameters(pairs: collected.map { (name: $0.0, value: $0.1) }, limits: limits)
        let (format, formatError) = SubsonicFormat.resolve(f: parameters.first("f"), callback: parameters.first("callback"))
        if let error = parseError ?? formatError {
            throw SubsonicRequestFailure(error: error, format: format)
        }
        do {
            self.endpoint = try SubsonicEndpoint.resolve(path: path)
        } catch {
            throw SubsonicRequestFailure(error: error, format: format)
        }
        self.format = format
        self.parameters = parameters
    }

    /// `c`: the client's name (py-opensonic sends `py-opensonic`, Symfonium `Symfonium`).
    /// Recorded as `changedBy` of a saved play queue.
    public var clientName: String? { parameters.optionalString("c") }

    /// `v`: the API version the client speaks, e.g. `1.16.1`.
    public var clientProtocolVersion: String? { parameters.optionalString("v") }

    /// The spec makes `v` and `c` mandatory on every call; this checks them (code 10 naming the
    /// first missing one). Navidrome enforces the same; `getOpenSubsonicExtensions` is exempt
    /// only from credentials, not from these.
    public func requireClientIdentification() throws(SubsonicError) {
        _ = try parameters.requiredString("v")
        _ = try parameters.requiredString("c")
    }

    /// The credentials, parsed by OpenSubsonic's rules (see `SubsonicCredentials.parse`).
    public func credentials() throws(SubsonicError) -> SubsonicCredentials {
        try SubsonicCredentials.parse(parameters)
    }
}

/// A call that could not be parsed, with the format its answer must use.
public struct SubsonicRequestFailure: Error, Sendable {
    public let error: SubsonicError
    public let format: SubsonicFormat
}
