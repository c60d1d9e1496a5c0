import Foundation

/// Validates a URL the user gives before anything is stored or spawned: `http`/`https` only,
/// a host, no spaces or control characters, at most 2,048 characters, and never something
/// that could be read as an option (it is passed after `--` as well).
public enum SourceURL {
    public static let maximumLength = 2048

    /// The trimmed URL, or a message saying what is wrong with it.
    public static func validate(_ text: String) -> Result<String, SourceURLError> {
        var url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        // `youtube.com/@x` as people paste it from an address bar that hides the scheme.
        if !url.contains("://"), let first = url.split(separator: "/").first, first.contains("."), !url.hasPrefix("-") {
            url = "https://" + url
        }
        guard !url.isEmpty else { return .failure(.init("The URL is empty.")) }
        guard url.count <= maximumLength else { return .failure(.init("The URL is longer than \(maximumLength) characters.")) }
        guard !url.hasPrefix("-") else { return .failure(.init("The URL must not start with '-'.")) }
        guard !url.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == " " }) else {
            return .failure(.init("The URL must not contain spaces or control characters."))
        }
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            return .failure(.init("'\(url.prefix(80))' is not a URL."))
        }
        guard scheme == "http" || scheme == "https" else {
            return .failure(.init("Only http and https URLs are supported (got '\(scheme)')."))
        }
        guard let host = components.host, !host.isEmpty else { return .failure(.init("The URL has no host.")) }
        return .success(url)
    }

    /// The one key of the source a valid URL names, so that "already added" does not depend on
    /// how the URL was spelled: `https://www.youtube.com/@x`, `youtube.com/@x/`, `…/@x/videos`,
    /// `m.youtube.com/@x?si=…` are one channel (`youtube.com/@x`); `youtu.be/ID`,
    /// `watch?v=ID&t=3`, `/shorts/ID` and `/live/ID` one video (`youtube.com/watch?v=ID`);
    /// `playlist?list=PL…` one playlist. Elsewhere: the host without `www.`, the path without a
    /// trailing `/`, and the query without tracking parameters, in order.
    ///
    /// A key is for comparing, never for listing: `@x` lists every upload (shorts and streams
    /// included) and `@x/videos` only the Videos tab, but both are "the channel @x", and a
    /// second source for it would download the same videos twice.
    public static func key(of url: String) -> String? {
        guard let components = URLComponents(string: url.trimmingCharacters(in: .whitespacesAndNewlines)),
              var host = components.host?.lowercased(), !host.isEmpty else { return nil }
        for prefix in ["www.", "m.", "music."] where host.hasPrefix(prefix) && host.count > prefix.count + 3 {
            host.removeFirst(prefix.count)
        }
        let port = components.port.map { $0 == 80 || $0 == 443 ? "" : ":\($0)" } ?? ""
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        let query = (components.queryItems ?? []).filter { !isTracking($0.name) }
        if host == "youtu.be" || host == "youtube.com" || host == "youtube-nocookie.com" {
            if let key = youTubeKey(host: host, path: path, query: query) { return key }
        }
        let kept = query.sorted { ($0.name, $0.value ?? "") < ($1.name, $1.value ?? "") }
            .map { item in item.value.map { "\(item.name)=\($0)" } ?? item.name }
        return host + port + path + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
    }

    /// Parameters that say where a link was shared from, never what it names.
    private static func isTracking(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["si", "feature", "pp", "fbclid", "gclid", "ref", "ref_src"].contains(lower) || lower.hasPrefix("utm_")
    }

    /// The tabs of a YouTube channel that list the same videos as the channel itself.
    private static let channelItselfTabs: Set<String> = ["", "videos", "featured"]

    private static func youTubeKey(host: String, path: String, query: [URLQueryItem]) -> String? {
        let parts = path.split(separator: "/").map(String.init)
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 } }
        if host == "youtu.be", let id = parts.first { return "youtube.com/watch?v=\(id)" }
        if parts.first == "watch", let id = value("v") { return "youtube.com/watch?v=\(id)" }
        if ["shorts", "live", "embed", "v"].contains(parts.first ?? ""), parts.count >= 2 { return "youtube.com/watch?v=\(parts[1])" }
        if parts.first == "playlist", let list = value("list") { return "youtube.com/playlist?list=\(list)" }
        // A channel: `@handle` (YouTube ignores its case), `channel/UC…` (exact), `c/name`, `user/name`.
        let channel: [String]
        if let first = parts.first, first.hasPrefix("@") {
            channel = [first.lowercased()]
        } else if parts.count >= 2, ["channel", "c", "user"].contains(parts[0]) {
            channel = parts[0] == "channel" ? Array(parts[0...1]) : [parts[0], parts[1].lowercased()]
        } else {
            return nil
        }
        let tab = parts.dropFirst(channel.count).first?.lowercased() ?? ""
        let base = "youtube.com/" + channel.joined(separator: "/")
        return channelItselfTabs.contains(tab) ? base : base + "/" + tab
    }
}

/// Why a URL was refused.
public struct SourceURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
