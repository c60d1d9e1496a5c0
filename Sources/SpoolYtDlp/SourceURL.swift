import Foundation

/// Validates a URL the user gives before anything is stored or spawned: `http`/`https` only,
/// a host, no spaces or control characters, at most 2,048 characters, and never something
/// that could be read as an option (it is passed after `--` as well).
public enum SourceURL {
    public static let maximumLength = 2048

    /// The trimmed URL, or a message saying what is wrong with it.
    public static func validate(_ text: String) -> Result<String, SourceURLError> {
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
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
}

/// Why a URL was refused.
public struct SourceURLError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
