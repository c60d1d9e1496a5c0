import Foundation

/// The file name of every playlist, chosen so that no two lists share a file and a name never
/// moves because of an unrelated change.
///
/// - The owner's likes (user 1, the account of a single-user install) are `Likes.m3u8`; every
///   other user's are `Likes - <name>.m3u8`.
/// - A source is `<safe title>.m3u8`. Sources are named in id order: the oldest keeps the
///   plain name, and a later source whose name is taken becomes `<safe title> [<id>].m3u8`
///   (stable: adding or removing tracks never renames a file, only a title change does).
/// - Names compare case-insensitively, so two lists never collide on a case-insensitive file
///   system (an SMB share, macOS).
/// - A name held by a file Spool did not write (`taken`) is never used: the list gets the
///   next candidate, and the user's file is left alone.
struct PlaylistNames: Equatable {
    static let fileExtension = ".m3u8"

    /// Each user's likes, by user id.
    let likes: [Int64: String]
    let sources: [Int64: String]

    /// - Parameters:
    ///   - sources: every source's id and title (nil before its first sync).
    ///   - users: every user's id and name.
    ///   - taken: names of `.m3u8` files in the folder that are not Spool's.
    init(sources: [(id: Int64, title: String?)], users: [(id: Int64, name: String)], taken: Set<String>) {
        var used = Set(taken.map { $0.lowercased() })
        func claim(_ candidates: [String]) -> String {
            for stem in candidates {
                let name = stem + Self.fileExtension
                if used.insert(name.lowercased()).inserted { return name }
            }
            var number = 2
            while true {
                let name = candidates.last! + " (\(number))" + Self.fileExtension
                if used.insert(name.lowercased()).inserted { return name }
                number += 1
            }
        }
        var likes: [Int64: String] = [:]
        // The owner first: a source or another user never takes `Likes.m3u8` from them.
        for user in users.sorted(by: { ($0.id == Principal.ownerId ? 0 : 1, $0.id) < ($1.id == Principal.ownerId ? 0 : 1, $1.id) }) {
            let stem = Self.likesTitle(ofUser: user.id, name: user.name)
            likes[user.id] = claim([stem, "\(stem) [Spool]"])
        }
        self.likes = likes
        var names: [Int64: String] = [:]
        for source in sources.sorted(by: { $0.id < $1.id }) {
            let stem = Self.stem(of: source.title, id: source.id)
            names[source.id] = claim([stem, "\(stem) [\(source.id)]"])
        }
        self.sources = names
    }

    /// The title of a user's likes: `Likes` for the owner, `Likes - <name>` for the others.
    static func likesTitle(ofUser id: Int64, name: String) -> String {
        id == Principal.ownerId ? "Likes" : LibraryNaming.safeName("Likes - " + name)
    }

    /// The safe base name of a source's list: its title, or `Source <id>` before it has one.
    static func stem(of title: String?, id: Int64) -> String {
        let title = title?.trimmingCharacters(in: .whitespacesAndNewlines)
        return LibraryNaming.safeName(title.flatMap { $0.isEmpty ? nil : $0 } ?? "Source \(id)")
    }

    /// Whether a file name is a playlist Spool could have written (`.m3u8`, not hidden: the
    /// temporary files of an atomic write start with a dot).
    static func isPlaylistFile(_ name: String) -> Bool {
        name.lowercased().hasSuffix(fileExtension) && !name.hasPrefix(".")
    }
}
