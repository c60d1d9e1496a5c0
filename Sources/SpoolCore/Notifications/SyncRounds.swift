import Foundation
import GRDB
import Logging
import SpoolJobs
import SpoolStore
import Synchronization

/// What one sync of a source brought, once every download it queued has ended: the
/// `source.sync_settled` event, which "new tracks" notifications are made of (one message per
/// sync, not one per track).
public struct SyncRound: Sendable, Codable, Equatable {
    public var sourceId: Int64
    public var sourceTitle: String
    public var syncJobId: Int64
    /// Downloads the sync queued.
    public var queued: Int
    /// Of those, tracks new in the library (not a download of a track it had already).
    public var added: Int
    /// Of those, downloads that ended badly for good (failed, timed out, gave up).
    public var failed: Int
    /// The first titles added, in the listing's order (newest first on YouTube).
    public var titles: [String]
}

/// Follows each sync's downloads to their end and publishes a `SyncRound` then.
///
/// No job records which sync queued it, but none needs to: a source has at most one sync
/// active at a time (a unique index), and its syncs queue its downloads, so the downloads a
/// sync queued are the source's download jobs created between the sync job's creation and its
/// end. (A re-download after a profile change that runs meanwhile falls in the window too;
/// its tracks are not new — created before the round — and are not counted as added.) When a sync ends (however it ends: a listing that failed
/// half-way still queued what it read), its round opens; each time one of the source's
/// downloads ends, one indexed query asks whether any download of the round is still active
/// (pending, running, retrying, zombie); when none is, the round is summed up from the
/// committed rows — the track row is written in the transaction that completes its job, so
/// the count is exact whatever order events arrive in — and published.
///
/// Events are handed to a serial queue of its own, so the publisher never waits for a query.
/// Rounds still open at a restart are found again at start (the newest sync of each source
/// whose downloads still run), so a source whose backlog outlives a restart still gets its
/// message.
final class SyncRounds: Sendable {
    private struct Round: Sendable {
        let syncJobId: Int64
        /// The window, in Unix seconds, the sync's downloads were created in.
        let from: Double
        let to: Double
    }

    private let database: SpoolDatabase
    private let hub: EventHub
    private let logger: Logger
    /// How many titles a round carries.
    let titleLimit: Int
    private let queue = DispatchQueue(label: "spool.sync-rounds")
    /// Open rounds per source. Changed on `queue` only; read by the subscriber to skip
    /// downloads of sources with no open round without a hop.
    private let open = Mutex<[Int64: [Round]]>([:])
    private let subscription = Mutex<EventHub.Subscription?>(nil)

    init(database: SpoolDatabase, hub: EventHub, logger: Logger, titleLimit: Int = 5) {
        self.database = database
        self.hub = hub
        self.logger = logger
        self.titleLimit = titleLimit
    }

    /// Finds the rounds a restart interrupted, then follows events. Call before the workers start.
    func start() {
        queue.sync { reopen() }
        let subscription = hub.subscribe { [self] published in
            switch published.event {
            case .jobStatus(let job) where job.status.isTerminal:
                guard let source = job.sourceId else { return }
                if job.kind == JobKind.sourceSync.rawValue {
                    queue.async { [self] in syncEnded(job, source: source) }
                } else if job.kind == JobKind.download.rawValue, open.withLock({ $0[source] != nil }) {
                    queue.async { [self] in check(source) }
                }
            case .sourceDeleted(let source):
                queue.async { [self] in _ = open.withLock { $0.removeValue(forKey: source) } }
            default:
                return
            }
        }
        self.subscription.withLock { $0 = subscription }
    }

    func stop() {
        subscription.withLock { $0 = nil }
        queue.sync {}
    }

    /// Waits until every event handed over so far is dealt with (tests).
    func drain() {
        queue.sync {}
    }

    private func syncEnded(_ job: Job, source: Int64) {
        guard let id = job.id else { return }
        let end = (job.finishedAt ?? job.updatedAt).timeIntervalSince1970
        open.withLock { $0[source, default: []].append(Round(syncJobId: id, from: job.createdAt.timeIntervalSince1970, to: end)) }
        check(source)
    }

    /// Publishes and closes the source's rounds whose downloads have all ended.
    private func check(_ source: Int64) {
        let rounds = open.withLock { $0[source] ?? [] }
        guard !rounds.isEmpty else { return }
        var settled: [Int64] = []
        for round in rounds {
            do {
                let summary = try database.read { db in
                    try Self.hasActiveDownloads(db, source: source, round: round)
                        ? nil : try Self.summary(db, source: source, round: round, titleLimit: titleLimit)
                }
                guard let summary else { continue }
                settled.append(round.syncJobId)
                if summary.queued > 0 { hub.publish(.syncSettled(summary)) }
            } catch {
                logger.warning("Could not sum up a sync's downloads", metadata: [
                    "source": "\(source)", "sync_job": "\(round.syncJobId)", "error": "\(StoreErrorDescription.plain(error))"])
            }
        }
        open.withLock { open in
            open[source]?.removeAll { settled.contains($0.syncJobId) }
            if open[source]?.isEmpty == true { open[source] = nil }
        }
    }

    /// Whether a download of the round is still going to run (the `jobs_channel` index on
    /// `source_id, status`).
    private static func hasActiveDownloads(_ db: Database, source: Int64, round: Round) throws -> Bool {
        try Bool.fetchOne(db, sql: """
            SELECT EXISTS(SELECT 1 FROM jobs WHERE source_id = ? AND kind = '\(JobKind.download.rawValue)'
              AND status IN \(JobStatus.active.sql) AND created_at BETWEEN ? AND ?)
            """, arguments: [source, round.from, round.to]) ?? false
    }

    /// The round summed up from the committed rows.
    private static func summary(_ db: Database, source: Int64, round: Round, titleLimit: Int) throws -> SyncRound {
        let download = JobKind.download.rawValue
        let window: StatementArguments = [round.from, source, round.from, round.to]
        let counts = try Row.fetchOne(db, sql: """
            SELECT count(*) AS queued, count(t.id) AS added,
                   coalesce(sum(j.status IN \(JobStatus.needsAttention.sql)), 0) AS failed
            FROM jobs j LEFT JOIN tracks t ON j.status = 'completed' AND t.video_id = j.video_id AND t.deleted_at IS NULL
              AND t.created_at >= ?
            WHERE j.source_id = ? AND j.kind = '\(download)' AND j.created_at BETWEEN ? AND ?
            """, arguments: window)
        let titles = try String.fetchAll(db, sql: """
            SELECT t.title FROM jobs j JOIN tracks t ON t.video_id = j.video_id AND t.deleted_at IS NULL AND t.created_at >= ?
            WHERE j.source_id = ? AND j.kind = '\(download)' AND j.status = 'completed' AND j.created_at BETWEEN ? AND ?
            ORDER BY j.id LIMIT \(titleLimit)
            """, arguments: window)
        let sourceTitle = try String.fetchOne(db, sql: "SELECT coalesce(title, url) FROM sources WHERE id = ?", arguments: [source])
        return SyncRound(
            sourceId: source, sourceTitle: sourceTitle ?? "Source \(source)", syncJobId: round.syncJobId,
            queued: counts?["queued"] ?? 0, added: counts?["added"] ?? 0, failed: counts?["failed"] ?? 0, titles: titles)
    }

    /// The newest sync of each source whose downloads still run, as after its end (a sync
    /// whose downloads had all ended was summed up before the restart).
    private func reopen() {
        do {
            let rounds = try database.read { db -> [(Int64, Round)] in
                try Row.fetchAll(db, sql: """
                    SELECT id, source_id, created_at, coalesce(finished_at, updated_at) AS ended FROM jobs s
                    WHERE kind = '\(JobKind.sourceSync.rawValue)' AND status IN \(JobStatus.terminal.sql)
                      AND id = (SELECT max(id) FROM jobs WHERE kind = s.kind AND source_id = s.source_id)
                    """).map { row in
                    (row["source_id"], Round(syncJobId: row["id"], from: row["created_at"], to: row["ended"]))
                }.filter { source, round in try Self.hasActiveDownloads(db, source: source, round: round) }
            }
            open.withLock { open in
                for (source, round) in rounds { open[source] = [round] }
            }
        } catch {
            logger.warning("Could not find the syncs whose downloads still run", metadata: ["error": "\(StoreErrorDescription.plain(error))"])
        }
    }
}
