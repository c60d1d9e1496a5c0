import Foundation

/// `getLicense`: always valid for a free server.
public struct License: Sendable, Hashable {
    public var valid: Bool
    public var email: String?
    public var licenseExpires: Date?
    public var trialExpires: Date?

    public init(valid: Bool = true, email: String? = nil, licenseExpires: Date? = nil, trialExpires: Date? = nil) {
        self.valid = valid
        self.email = email
        self.licenseExpires = licenseExpires
        self.trialExpires = trialExpires
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("valid", valid)
        w.attribute("email", email)
        w.attribute("licenseExpires", licenseExpires)
        w.attribute("trialExpires", trialExpires)
    }
}

/// `getUser`: a user's name and what they may do. Every role is required by the schema.
public struct User: Sendable, Hashable {
    public struct Roles: Sendable, Hashable {
        public var admin, settings, download, upload, playlist, coverArt, comment, podcast, stream, jukebox, share, videoConversion: Bool

        public init(admin: Bool = false, settings: Bool = false, download: Bool = true, upload: Bool = false,
                    playlist: Bool = true, coverArt: Bool = true, comment: Bool = false, podcast: Bool = false,
                    stream: Bool = true, jukebox: Bool = false, share: Bool = false, videoConversion: Bool = false) {
            self.admin = admin
            self.settings = settings
            self.download = download
            self.upload = upload
            self.playlist = playlist
            self.coverArt = coverArt
            self.comment = comment
            self.podcast = podcast
            self.stream = stream
            self.jukebox = jukebox
            self.share = share
            self.videoConversion = videoConversion
        }
    }

    public var username: String
    public var email: String?
    public var scrobblingEnabled: Bool
    /// Kilobits per second; nil for no limit.
    public var maxBitRate: Int?
    public var roles: Roles
    public var avatarLastChanged: Date?
    /// Music folder ids the user may see.
    public var folders: [Int]

    public init(username: String, email: String? = nil, scrobblingEnabled: Bool = true, maxBitRate: Int? = nil,
                roles: Roles = Roles(), avatarLastChanged: Date? = nil, folders: [Int] = []) {
        self.username = username
        self.email = email
        self.scrobblingEnabled = scrobblingEnabled
        self.maxBitRate = maxBitRate
        self.roles = roles
        self.avatarLastChanged = avatarLastChanged
        self.folders = folders
    }

    func write(to w: inout SubsonicWriter) {
        w.attribute("username", username)
        w.attribute("email", email)
        w.attribute("scrobblingEnabled", scrobblingEnabled)
        w.attribute("maxBitRate", maxBitRate)
        w.attribute("adminRole", roles.admin)
        w.attribute("settingsRole", roles.settings)
        w.attribute("downloadRole", roles.download)
        w.attribute("uploadRole", roles.upload)
        w.attribute("playlistRole", roles.playlist)
        w.attribute("coverArtRole", roles.coverArt)
        w.attribute("commentRole", roles.comment)
        w.attribute("podcastRole", roles.podcast)
        w.attribute("streamRole", roles.stream)
        w.attribute("jukeboxRole", roles.jukebox)
        w.attribute("shareRole", roles.share)
        w.attribute("videoConversionRole", roles.videoConversion)
        w.attribute("avatarLastChanged", avatarLastChanged)
        w.valueList("folder", folders)
    }
}

/// One entry of `getOpenSubsonicExtensions`.
public struct OpenSubsonicExtension: Sendable, Hashable {
    public var name: String
    public var versions: [Int]
    public init(name: String, versions: [Int]) {
        self.name = name
        self.versions = versions
    }

    /// What Spool's protocol layer implements: form POST (`SubsonicParameters` reads the body)
    /// and API keys (`SubsonicCredentials.apiKey`, with `tokenInfo`).
    public static let spoolSupported: [OpenSubsonicExtension] = [
        OpenSubsonicExtension(name: "formPost", versions: [1]),
        OpenSubsonicExtension(name: "apiKeyAuthentication", versions: [1]),
    ]

    func write(to w: inout SubsonicWriter) {
        w.attribute("name", name)
        w.valueList("versions", versions, emptyInJSON: .emptyArray)
    }
}
