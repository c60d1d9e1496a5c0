import Foundation
import SpoolJobs
import SpoolStore

/// Everything that happens in Spool that someone may want to see, with its typed payload: the
/// one definition behind the live feed's messages, their wire names (`SpoolEvent.Name`) and
/// the web app's list of them (`GET /api/meta`). Published after the write it reports has
/// committed.
public enum SpoolEvent: Sendable {
    /// A job's status changed, or it was enqueued (the job as committed).
    case jobStatus(Job)
    case jobProgress(JobProgressEvent)
    /// A batch too big to announce job by job: clients refetch.
    case jobsEnqueued(JobsEnqueued)
    /// Finished jobs were cleared: clients refetch.
    case jobsDeleted(JobsDeleted)
    case trackAdded(LibraryTrack)
    /// Shared fields changed (the file moved, its tags): every client, without anyone's state.
    case trackUpdated(LibraryTrack)
    /// One user's state of a track changed (a rating, a hide): that user's clients only.
    case trackStateChanged(userId: Int64, LibraryTrack)
    case trackDeleted(LibraryTrack)
    case trackRestored(LibraryTrack)
    case trackPurged(trackId: Int64)
    /// A source's row or its counts changed (the snapshot carries both: no reader of the
    /// event needs the database).
    case sourceUpdated(SourceSnapshot)
    case sourceDeleted(sourceId: Int64)
    /// Every download paused (a rate limit or a bot check), or resumed.
    case downloadsPaused(DownloadBrake.State)
    case downloadsResumed(DownloadBrake.State)
    /// An update of yt-dlp ran (whatever its outcome).
    case ytdlpUpdate(YtDlpService.UpdateRecord)
    /// Every download a sync queued has ended: what the sync brought (`SyncRounds`).
    case syncSettled(SyncRound)
    /// A backup of the database ran (whatever its outcome).
    case backupFinished(BackupService.Run)

    /// The wire names, in one place.
    public enum Name: String, CaseIterable, Sendable {
        case jobStatus = "job.status"
        case jobProgress = "job.progress"
        case jobsEnqueued = "jobs.enqueued"
        case jobsDeleted = "jobs.deleted"
        case trackAdded = "track.added"
        case trackUpdated = "track.updated"
        case trackStateChanged = "track.state"
        case trackDeleted = "track.deleted"
        case trackRestored = "track.restored"
        case trackPurged = "track.purged"
        case sourceUpdated = "source.updated"
        case sourceDeleted = "source.deleted"
        case downloadsPaused = "ratelimit.paused"
        case downloadsResumed = "ratelimit.resumed"
        case ytdlpUpdate = "ytdlp.update"
        case syncSettled = "source.sync_settled"
        case backupFinished = "backup.finished"
    }

    public var name: Name {
        switch self {
        case .jobStatus: .jobStatus
        case .jobProgress: .jobProgress
        case .jobsEnqueued: .jobsEnqueued
        case .jobsDeleted: .jobsDeleted
        case .trackAdded: .trackAdded
        case .trackUpdated: .trackUpdated
        case .trackStateChanged: .trackStateChanged
        case .trackDeleted: .trackDeleted
        case .trackRestored: .trackRestored
        case .trackPurged: .trackPurged
        case .sourceUpdated: .sourceUpdated
        case .sourceDeleted: .sourceDeleted
        case .downloadsPaused: .downloadsPaused
        case .downloadsResumed: .downloadsResumed
        case .ytdlpUpdate: .ytdlpUpdate
        case .syncSettled: .syncSettled
        case .backupFinished: .backupFinished
        }
    }

    /// Who may receive an event: the queue, sources, the brake and yt-dlp are the admins'
    /// business; the shared library is everyone's; a user's own state is theirs alone.
    public enum Audience: Sendable, Equatable {
        case everyone
        case admins
        case user(Int64)

        /// Whether a client signed in as `principal` receives events for this audience.
        public func includes(_ principal: Principal) -> Bool {
            switch self {
            case .everyone: true
            case .admins: principal.isAdmin
            case .user(let id): principal.userId == id
            }
        }
    }

    public var audience: Audience {
        switch self {
        case .jobStatus, .jobProgress, .jobsEnqueued, .jobsDeleted, .sourceUpdated, .sourceDeleted,
             .downloadsPaused, .downloadsResumed, .ytdlpUpdate, .syncSettled, .backupFinished:
            .admins
        case .trackAdded, .trackUpdated, .trackDeleted, .trackRestored, .trackPurged:
            .everyone
        case .trackStateChanged(let userId, _):
            .user(userId)
        }
    }

    /// Events that supersede older unsent ones with the same key (a slow client needs only
    /// the newest progress, status and counts of each job and source).
    public var coalescingKey: String? {
        switch self {
        case .jobProgress(let progress): "progress-\(progress.jobId)"
        case .jobStatus(let job): job.id.map { "status-\($0)" }
        case .sourceUpdated(let snapshot): "source-\(snapshot.source.id ?? 0)"
        default: nil
        }
    }
}
