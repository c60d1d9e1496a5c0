/// Bounds on what one Subsonic call may ask for, so that every call does bounded work whatever a
/// client sends (`count=100000`, `size=99999999`, a 50 000-id play queue).
public struct SubsonicRequestLimits: Sendable, Hashable {
    /// Largest `application/x-www-form-urlencoded` body parsed. Navidrome allows 10 MB; 4 MiB
    /// still holds a 100 000-song playlist POST (`songId=tr-1234567&` is ~20 bytes per song).
    /// The HTTP route's body limit should be set to the same number.
    public var maxBodyBytes: Int
    /// Most name=value pairs in query and body together; beyond it the call fails with code 0
    /// instead of building a huge dictionary.
    public var maxParameterCount: Int
    /// Most values of one repeated parameter (`id`, `songId`, `songIdToAdd`…): the longest
    /// playlist or play queue a client can send in one call.
    public var maxRepeatedValues: Int
    /// The spec's "Max 500" for `getAlbumList2` and `getRandomSongs` `size`, applied to every list
    /// size and search count: a larger request is clamped to it, not refused, as Navidrome does.
    public var maxListSize: Int
    /// Largest `getCoverArt` `size` in pixels; bigger asks are clamped (a 100 000 px square
    /// resize would take gigabytes).
    public var maxCoverArtSize: Int
    /// Largest list offset accepted; beyond it the call fails with code 0 (a library of 100 000
    /// tracks needs 100 000 at most; SQLite walks every skipped row of an OFFSET).
    public var maxOffset: Int

    public init(
        maxBodyBytes: Int = 4 << 20, maxParameterCount: Int = 200_000, maxRepeatedValues: Int = 100_000,
        maxListSize: Int = 500, maxCoverArtSize: Int = 2048, maxOffset: Int = 1_000_000
    ) {
        self.maxBodyBytes = maxBodyBytes
        self.maxParameterCount = maxParameterCount
        self.maxRepeatedValues = maxRepeatedValues
        self.maxListSize = maxListSize
        self.maxCoverArtSize = maxCoverArtSize
        self.maxOffset = maxOffset
    }

    public static let standard = SubsonicRequestLimits()
}
