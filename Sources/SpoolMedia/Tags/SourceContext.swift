/// Where a track was found: the Spool source (a channel or a playlist) it belongs to.
///
/// When the info JSON has no album of its own, the source stands in for one: album = the
/// source's ``title``, track number = ``position``. Players such as Navidrome group an album by
/// album name *and* album artist, so every track of one source must get the same album artist:
/// the channel's name for a channel, ``TrackTags/variousArtists`` for a playlist, whose entries
/// come from many uploaders.
public struct SourceContext: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case channel, playlist
    }

    /// The channel's or playlist's title as shown to the user.
    public var title: String?
    /// The entry's 1-based position in the source. Pass a stable one (oldest first for a
    /// channel), or the number changes whenever the channel uploads.
    public var position: Int?
    /// The source's URL; written into ``TrackTags/sourceURLTagName`` so that an import of a file
    /// that lost its sidecar still finds its source.
    public var url: String?
    public var kind: Kind

    public init(title: String? = nil, position: Int? = nil, url: String? = nil, kind: Kind = .channel) {
        self.title = title
        self.position = position
        self.url = url
        self.kind = kind
    }
}
