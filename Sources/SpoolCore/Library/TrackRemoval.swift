import Foundation
import SpoolStore

/// What "delete" means, by role. An admin's delete moves the shared file to the trash (undo
/// restores it), for everyone. A listener's delete hides the track from that listener's own
/// lists only (undo shows it again): the file is the household's, and one person's "not for me"
/// must not take it from the others; an admin sees what listeners hid nowhere but keeps the
/// say over the files. (Decided for issue 17; Navidrome, which shares one library among users,
/// likewise lets only admins remove media.)
public struct TrackRemoval: Sendable {
    let trash: TrashService
    let listening: ListeningService

    /// What a delete did.
    public struct Outcome: Sendable {
        public let track: LibraryTrack
        /// The file went to the trash (an admin's delete), rather than hidden for one user.
        public let trashed: Bool
        public let fileWasMissing: Bool
    }

    public func delete(_ id: Int64, by user: Principal) throws -> Outcome {
        if user.isAdmin {
            let deletion = try trash.delete(id, for: user.userId)
            return Outcome(track: deletion.track, trashed: true, fileWasMissing: deletion.fileWasMissing)
        }
        return Outcome(track: try listening.setHidden(true, id, by: user), trashed: false, fileWasMissing: false)
    }

    /// Undoes `delete`: an admin restores from the trash (and shows the track again if they had
    /// hidden it); a listener shows a hidden track again.
    public func restore(_ id: Int64, by user: Principal) throws -> LibraryTrack {
        let shown = try listening.setHidden(false, id, by: user)
        guard user.isAdmin, shown.track.deletedAt != nil else { return shown }
        return try trash.restore(id, for: user.userId)
    }
}
