import Foundation
import GRDB
import Logging
import SpoolStore
import Synchronization

/// The persistent queue: every change of a job's status happens here, in one short write
/// transaction that also appends the job's timeline row (and runs the kind's transition hook,
/// so what a kind's jobs stand for changes in the same commit), and is reported to the event
/// sink after the commit. Knows nothing of what jobs do (see `JobHandler`) or of HTTP.
public final class JobQueue: Sendable {
    let database: SpoolDatabase
    let events: JobEventSink
    public let retryPolicy: RetryPolicy
    /// Identifies this process's workers in `jobs.worker`, so start-up can tell the running
    /// jobs of a previous (dead) process from its own.
    public let runId: String
    private let logger: Logger
    private let listeners = Mutex(Listeners())

    private let hooks = Mutex<[String: TransitionHook]>([:])

    private struct Listeners {
        var onEnqueue: [@Sendable () -> Void] = []
        var onCancelRunning: [@Sendable (Job) -> Bool] = []
    }

    /// Runs inside the transaction that changes the status of a job of one kind (enqueue,
    /// claim, every transition), with the job as written. Whatever it writes commits or rolls
    /// back with the job: a channel's sync state follows its sync job this way, so no failure
    /// path can leave it stale. Keep it to a statement or two: it runs on the writer.
    public typealias TransitionHook = @Sendable (Database, Job) throws -> Void

    /// - Parameter events: told of every committed change (see `JobQueueEvent`), on the thread
    ///   that made it, after the commit; keep it quick.
    public init(database: SpoolDatabase, events: @escaping JobEventSink, retryPolicy: RetryPolicy = RetryPolicy(), logger: Logger = Logger(label: "spool.jobs")) {
        self.database = database
        self.events = events
        self.retryPolicy = retryPolicy
        self.runId = String(UUID().uuidString.prefix(8)).lowercased()
        self.logger = logger
    }

    /// Sets the transition hook of `kind` (see `TransitionHook`); call before jobs of the kind run.
    public func setTransitionHook(for kind: String, _ hook: @escaping TransitionHook) {
        hooks.withLock { $0[kind] = hook }
    }

    private func runHook(_ db: Database, _ job: Job) throws {
        guard let hook = hooks.withLock({ $0[job.kind] }) else { return }
        try hook(db, job)
    }

    private func kindHasHook(_ kind: String) -> Bool {
        hooks.withLock { $0[kind] != nil }
    }

    /// Called after jobs become due (enqueue, retry): the worker pool wakes up.
    func addEnqueueListener(_ listener: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.onEnqueue.append(listener) }
    }

    /// Asked to stop a running job; returns true when the job runs (or is about to run) here.
    func addCancelListener(_ listener: @escaping @Sendable (Job) -> Bool) {
        listeners.withLock { $0.onCancelRunning.append(listener) }
    }

    /// Tells the workers that jobs became due by a change the queue did not make itself (a
    /// source resumed: its held jobs' `run_after` moved to now).
    public func jobsBecameDue() {
        notifyEnqueued()
    }

    private func notifyEnqueued() {
        listeners.withLock { $0.onEnqueue }.forEach { $0() }
    }

    static var now: Double { Date().timeIntervalSince1970 }

    /// Batches larger than this publish one `jobs.enqueued` event instead of one per job.
    public static let individualEventLimit = 50

    // MARK: - Enqueue

    /// Inserts jobs in one transaction. A download whose video already has an active job is
    /// skipped (the unique partial index decides), so re-syncs and double clicks never duplicate.
    /// - Parameter alongside: more writes for the same transaction (a sync records the entries
    ///   it listed with the downloads it queues: both commit, or neither).
    @discardableResult
    public func enqueue(_ jobs: [NewJob], alongside: ((Database) throws -> Void)? = nil) throws -> EnqueueResult {
        guard !jobs.isEmpty || alongside != nil else { return EnqueueResult(insertedIds: [], inserted: [], skippedDuplicates: 0) }
        let now = Self.now
        let (ids, inserted) = try database.write { db -> ([Int64], [Job]) in
            try alongside?(db)
            let statement = try db.makeStatement(sql: """
                INSERT INTO jobs (kind, status, priority, payload, source_id, video_id, title, attempts,
                                  max_attempts, run_after, created_at, updated_at)
                VALUES (?, 'pending', ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                RETURNING id
                """)
            let eventStatement = try db.makeStatement(sql: """
                INSERT INTO job_events (job_id, from_status, to_status, attempt, message, at)
                VALUES (?, NULL, 'pending', 0, 'Queued', ?)
                """)
            var ids: [Int64] = []
            ids.reserveCapacity(jobs.count)
            var hooked: [Int64] = []
            for job in jobs {
                let arguments: StatementArguments = [
                    job.kind, job.priority, job.payload, job.sourceId, job.videoId, job.title,
                    max(1, job.maxAttempts), job.runAfter ?? now, now, now]
                if let id = try Int64.fetchOne(statement, arguments: arguments) {
                    try eventStatement.execute(arguments: [id, now])
                    ids.append(id)
                    if kindHasHook(job.kind) { hooked.append(id) }
                }
            }
            for job in try Job.fetchAll(db, keys: hooked) { try runHook(db, job) }
            guard ids.count <= Self.individualEventLimit else { return (ids, []) }
            let byId = Dictionary(uniqueKeysWithValues: try Job.fetchAll(db, keys: ids).map { ($0.id!, $0) })
            return (ids, ids.compactMap { byId[$0] })
        }
        // A big batch (a channel's first sync) is one event: thousands of `job.status` events
        // at once would only flood every live client, which refetches its page instead.
        guard !ids.isEmpty else { return EnqueueResult(insertedIds: [], inserted: [], skippedDuplicates: jobs.count) }
        if ids.count > Self.individualEventLimit {
            events(.enqueued(JobsEnqueued(count: ids.count, firstId: ids.first ?? 0, lastId: ids.last ?? 0, kinds: Set(jobs.map(\.kind)).sorted())))
        } else {
            for job in inserted { events(.status(job)) }
        }
        notifyEnqueued()
        return EnqueueResult(insertedIds: ids, inserted: inserted, skippedDuplicates: jobs.count - ids.count)
    }

    // MARK: - Claim and finish (the workers' side)

    /// What a worker asks for when it claims: the kinds it may run now and the lease to take.
    struct ClaimRequest {
        let worker: String
        let kinds: [String]
        let leaseSeconds: Double
    }

    /// Claims the most urgent due job of one of the request's kinds, with a lease.
    func claim(_ request: ClaimRequest) throws -> Job? {
        let job = try database.write { db in try claimNext(db, request, now: Self.now) }
        if let job { events(.status(job)) }
        return job
    }

    /// The claim inside a write transaction: two statements, both prepared once per connection.
    private func claimNext(_ db: Database, _ request: ClaimRequest, now: Double) throws -> Job? {
        guard !request.kinds.isEmpty else { return nil }
        let placeholders = request.kinds.map { _ in "?" }.joined(separator: ", ")
        // The timeline row is written first, straight from the chosen row, so it records the
        // status the job leaves (pending or retrying) without a second lookup.
        let pick = try db.cachedStatement(sql: """
            INSERT INTO job_events (job_id, from_status, to_status, attempt, message, at)
            SELECT id, status, 'running', attempts + 1, ?, ?
            -- Walk the due-order index and take the first match: without the hint the planner
            -- picked jobs_kind or jobs_status and sorted every job of the kind, completed ones
            -- included, on each claim: O(n) per job (found by spool-bench).
            FROM jobs INDEXED BY jobs_due
            WHERE status IN \(JobStatus.waiting.sql) AND kind IN (\(placeholders)) AND run_after <= ?
            ORDER BY priority DESC, run_after, id
            LIMIT 1
            RETURNING job_id
            """)
        let pickArguments: StatementArguments = ["Started by \(request.worker)", now]
            + StatementArguments(request.kinds) + [now]
        guard let id = try Int64.fetchOne(pick, arguments: pickArguments) else { return nil }
        let lease = try db.cachedStatement(sql: """
            UPDATE jobs
            SET status = 'running', attempts = attempts + 1, lease_until = ?, worker = ?,
                started_at = ?, updated_at = ?, finished_at = NULL,
                progress_percent = NULL, progress_bytes = NULL, progress_total_bytes = NULL,
                progress_speed = NULL, progress_eta = NULL
            WHERE id = ?
            RETURNING \(Job.columnList)
            """)
        let job = try Job.fetchOne(lease, arguments: [now + request.leaseSeconds, request.worker, now, now, id])
        if let job { try runHook(db, job) }
        return job
    }

    /// Extends the leases of jobs this process runs.
    func renewLeases(_ ids: [Int64], leaseSeconds: Double) throws {
        guard !ids.isEmpty else { return }
        let now = Self.now
        try database.write { db in
            try db.execute(
                sql: "UPDATE jobs SET lease_until = ? WHERE status = 'running' AND id IN (\(ids.map { _ in "?" }.joined(separator: ",")))",
                arguments: [now + leaseSeconds] + StatementArguments(ids))
        }
    }

    /// Writes progress of a running job and publishes `job.progress`.
    func writeProgress(_ id: Int64, _ progress: JobProgress) {
        do {
            try database.write { db in
                try db.execute(sql: """
                    UPDATE jobs SET progress_percent = ?, progress_bytes = ?, progress_total_bytes = ?,
                                    progress_speed = ?, progress_eta = ?, updated_at = ?
                    WHERE id = ? AND status = 'running'
                    """, arguments: [progress.percent, progress.downloadedBytes, progress.totalBytes,
                                     progress.speed, progress.eta, Self.now, id])
            }
            events(.progress(JobProgressEvent(jobId: id, progress: progress)))
        } catch {
            logger.warning("Could not record progress", metadata: ["job": "\(id)", "error": "\(StoreErrorDescription.plain(error))"])
        }
    }

    /// How a run ended, as the worker saw it.
    enum RunOutcome {
        case completed(JobCompletion)
        case failed(JobFailure)
        case stopped(JobContext.StopReason)
    }

    /// Records the end of a run claimed by `worker` and, when `next` is given, claims the
    /// worker's next job in the same transaction: one commit per job instead of two.
    ///
    /// The end is ignored when the job is no longer this worker's (it was declared a zombie
    /// meanwhile): a late finish never completes a job twice.
    func finish(_ claimed: Job, worker: String, outcome: RunOutcome, logTail: String?, thenClaim next: ClaimRequest? = nil) throws -> Job? {
        let now = Self.now
        var published: Job?
        var afterCommit: (@Sendable () -> Void)?
        let nextJob = try database.write { db -> Job? in
            try record(outcome, of: claimed, worker: worker, logTail: logTail, db: db, now: now, published: &published, afterCommit: &afterCommit)
            return try next.flatMap { try claimNext(db, $0, now: now) }
        }
        if let published { events(.status(published)) }
        afterCommit?()
        if published?.status == .retrying { notifyEnqueued() }
        if let nextJob { events(.status(nextJob)) }
        return nextJob
    }

    private func record(
        _ outcome: RunOutcome, of claimed: Job, worker: String, logTail: String?, db: Database, now: Double,
        published: inout Job?, afterCommit: inout (@Sendable () -> Void)?
    ) throws {
        // The job as claimed: only its worker changes it while it runs (attempts, limits), and
        // each transition below is written only if the job is still running for `worker`
        // (it may have been declared a zombie meanwhile).
        var job = claimed
        job.logTail = logTail ?? job.logTail
        let owned: Bool
        switch outcome {
        case .completed(let completion):
            job.lastError = nil
            job.errorClass = nil
            job.errorDetail = nil
            owned = try transition(db, &job, to: .completed, message: completion.message ?? "Completed", owner: worker, now: now)
            if owned {
                try completion.commit?(db)
                afterCommit = completion.afterCommit
            }
        case .stopped(.userCancelled):
            owned = try stop(db, &job, to: .cancelled, "Cancelled by the user", errorClass: .cancelled, owner: worker, now: now)
        case .stopped(.timeLimit):
            owned = try stop(db, &job, to: .timeout, "Stopped at its time limit", errorClass: .timeout, owner: worker, now: now)
        case .stopped(.stalled):
            owned = try stop(db, &job, to: .timeout, "Stopped: no progress for too long", errorClass: .timeout, owner: worker, now: now)
        case .stopped(.shutdown):
            // A graceful stop is not a failure: the job goes back to the queue as it was before
            // its claim (the attempt it was given is returned) and runs first thing after the
            // restart. (It used to stay `running`, come back as a crashed zombie, spend an
            // attempt and wait for its backoff.) Only a job still running for this worker.
            guard try Int.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE id = ? AND status = 'running' AND worker = ?"),
                                   arguments: [job.id, worker]) != nil else { return }
            job.attempts = max(0, job.attempts - 1)
            job.runAfter = Date(timeIntervalSince1970: now)
            job.worker = nil
            job.startedAt = nil
            (job.progressPercent, job.progressBytes, job.progressTotalBytes, job.progressSpeed, job.progressEta) = (nil, nil, nil, nil, nil)
            try transition(db, &job, to: .pending, message: "Interrupted by a shutdown; it runs again after the restart", now: now)
            owned = true
        case .failed(let failure):
            owned = try record(failure, on: &job, owner: worker, db: db, now: now)
        }
        guard owned else {
            logger.notice("Ignoring the end of a run that no longer owns its job", metadata: ["job": "\(claimed.id ?? 0)"])
            return
        }
        published = job
    }

    /// A run stopped by the user, its time limit or the stall watchdog: the row says why.
    private func stop(
        _ db: Database, _ job: inout Job, to status: JobStatus, _ message: String, errorClass: JobErrorClass, owner: String, now: Double
    ) throws -> Bool {
        job.lastError = message
        job.errorClass = errorClass
        job.errorDetail = nil
        return try transition(db, &job, to: status, message: message, errorClass: errorClass, owner: owner, now: now)
    }

    /// Failed attempts: permanent → failed; timeout → timeout; otherwise retrying with backoff,
    /// or dead_letter when attempts are used up.
    @discardableResult
    private func record(_ failure: JobFailure, on job: inout Job, owner: String? = nil, db: Database, now: Double) throws -> Bool {
        job.lastError = failure.message
        job.errorClass = failure.errorClass
        job.errorDetail = failure.detail
        switch failure.errorClass {
        case .permanent:
            return try transition(db, &job, to: .failed, failure: failure, owner: owner, now: now)
        case .timeout:
            return try transition(db, &job, to: .timeout, failure: failure, owner: owner, now: now)
        case .cancelled:
            return try transition(db, &job, to: .cancelled, failure: failure, owner: owner, now: now)
        case .transient, .network, .rate_limited, .bot_check, .extractor_outdated, .crashed:
            if job.attempts >= job.maxAttempts {
                return try transition(db, &job, to: .dead_letter, failure: failure, owner: owner, now: now,
                                      suffix: " (attempt \(job.attempts) of \(job.maxAttempts); no attempts left)")
            }
            let backoff = now + retryPolicy.delay(afterAttempt: job.attempts)
            job.runAfter = Date(timeIntervalSince1970: max(backoff, failure.retryNotBefore ?? 0))
            let wait = Int((job.runAfter.timeIntervalSince1970 - now).rounded())
            return try transition(db, &job, to: .retrying, failure: failure, owner: owner, now: now, suffix: " (retry in \(wait) s)")
        }
    }

    private func transition(
        _ db: Database, _ job: inout Job, to status: JobStatus, failure: JobFailure, owner: String?, now: Double, suffix: String = ""
    ) throws -> Bool {
        try transition(db, &job, to: status, message: failure.message + suffix, errorClass: failure.errorClass,
                       exitCode: failure.exitCode, signal: failure.signal, owner: owner, now: now)
    }

    /// The one place a status changes: updates the row and appends its timeline entry.
    ///
    /// With an `owner`, the change applies only to a job still running for that worker, and
    /// `job` is refreshed from the row (its progress columns are the handler's, not the
    /// struct's); false when the job is no longer the owner's and nothing was written.
    @discardableResult
    func transition(
        _ db: Database, _ job: inout Job, to status: JobStatus, message: String?,
        errorClass: JobErrorClass? = nil, exitCode: Int? = nil, signal: Int? = nil, owner: String? = nil, now: Double
    ) throws -> Bool {
        let from = job.status
        job.status = status
        job.updatedAt = Date(timeIntervalSince1970: now)
        if status.isTerminal { job.finishedAt = job.updatedAt }
        if status != .running { job.leaseUntil = nil }
        // Statements prepared once per connection.
        if let owner {
            let update = try db.cachedStatement(sql: """
                UPDATE jobs
                SET status = ?, run_after = ?, lease_until = ?, last_error = ?, error_class = ?, error_detail = ?,
                    log_tail = ?, updated_at = ?, finished_at = ?
                WHERE id = ? AND status = 'running' AND worker = ?
                RETURNING \(Job.columnList)
                """)
            guard let written = try Job.fetchOne(update, arguments: [
                job.status, job.runAfter.timeIntervalSince1970, job.leaseUntil?.timeIntervalSince1970, job.lastError,
                job.errorClass, job.errorDetail, job.logTail, now, job.finishedAt?.timeIntervalSince1970, job.id, owner])
            else { return false }
            job = written
        } else {
            try db.cachedStatement(sql: """
                UPDATE jobs
                SET status = ?, attempts = ?, run_after = ?, lease_until = ?, worker = ?, last_error = ?,
                    error_class = ?, error_detail = ?, log_tail = ?, progress_percent = ?, progress_bytes = ?,
                    progress_total_bytes = ?, progress_speed = ?, progress_eta = ?, updated_at = ?,
                    finished_at = ?
                WHERE id = ?
                """).execute(arguments: [
                    job.status, job.attempts, job.runAfter.timeIntervalSince1970, job.leaseUntil?.timeIntervalSince1970,
                    job.worker, job.lastError, job.errorClass, job.errorDetail, job.logTail, job.progressPercent, job.progressBytes,
                    job.progressTotalBytes, job.progressSpeed, job.progressEta, now, job.finishedAt?.timeIntervalSince1970,
                    job.id])
        }
        try db.cachedStatement(sql: """
            INSERT INTO job_events (job_id, from_status, to_status, attempt, message, error_class, exit_code, signal, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [job.id, from, status, job.attempts, message, errorClass, exitCode, signal, now])
        try runHook(db, job)
        return true
    }

    // MARK: - Zombies

    /// Marks as `zombie` every running job whose worker is gone: at start-up all running jobs
    /// of other runs, and any job whose lease expired. Then resolves each zombie into
    /// `retrying` (attempts left) or `dead_letter`. Returns how many zombies were found.
    @discardableResult
    public func recoverZombies() throws -> Int {
        let now = Self.now
        let suspects = try database.read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM jobs WHERE status IN ('running', 'zombie') AND (status = 'zombie' OR worker IS NULL OR worker NOT LIKE ? OR lease_until < ?)
                """, arguments: [runId + "/%", now]) ?? 0
        }
        guard suspects > 0 else { return 0 }
        let zombies = try database.write { db -> [Job] in
            let lost = try Job.fetchAll(db, sql: """
                SELECT * FROM jobs WHERE status = 'running' AND (worker IS NULL OR worker NOT LIKE ? OR lease_until < ?)
                """, arguments: [runId + "/%", now])
            return try lost.map { job in
                var job = job
                job.lastError = "The worker running it stopped (crash or kill) before it finished."
                job.errorClass = .crashed
                try transition(db, &job, to: .zombie, message: job.lastError, errorClass: .crashed, now: now)
                return job
            }
        }
        for job in zombies { events(.status(job)) }
        if !zombies.isEmpty { logger.warning("Found zombie jobs", metadata: ["count": "\(zombies.count)"]) }
        try resolveZombies()
        return zombies.count
    }

    /// Zombies go back to the queue with backoff, or to dead_letter when out of attempts.
    func resolveZombies() throws {
        let now = Self.now
        let resolved = try database.write { db -> [Job] in
            try Job.fetchAll(db, sql: "SELECT * FROM jobs WHERE status = 'zombie' AND error_class = 'crashed' AND finished_at IS NULL")
                .map { job in
                    var job = job
                    try record(JobFailure(.crashed, job.lastError ?? "Lost its worker"), on: &job, db: db, now: now)
                    return job
                }
        }
        for job in resolved { events(.status(job)) }
        if !resolved.isEmpty { notifyEnqueued() }
    }

    // MARK: - User actions

    /// Retry: failed, cancelled, timeout, dead_letter or zombie → pending with attempts reset.
    /// A job already queued or running is returned unchanged (a second click is no error).
    public func retry(_ id: Int64) throws -> Job {
        let job = try database.write { db -> Job in
            guard var job = try Job.fetchOne(db, key: id) else { throw JobQueueError.notFound(id) }
            if job.status == .completed {
                throw JobQueueError.conflict("Job \(id) already completed; there is nothing to retry.")
            }
            guard JobStatus.retryable.contains(job.status) else { return job }
            try requeue(&job, db: db)
            return job
        }
        events(.status(job))
        notifyEnqueued()
        return job
    }

    /// Bulk retry by ids or by status, in one transaction; jobs that cannot be retried are
    /// left as they are. Returns the jobs that went back to the queue.
    public func retry(ids: [Int64]? = nil, status: JobStatus? = nil) throws -> [Job] {
        if let status, !JobStatus.retryable.contains(status) {
            throw JobQueueError.conflict("Jobs in status '\(status.rawValue)' cannot be retried; retryable statuses are \(JobStatus.retryable.map(\.rawValue).sorted().joined(separator: ", ")).")
        }
        let retried = try database.write { db -> [Job] in
            let candidates: [Job]
            if let ids {
                candidates = try Job.fetchAll(db, keys: ids)
            } else if let status {
                candidates = try Job.fetchAll(db, sql: "SELECT * FROM jobs WHERE status = ?", arguments: [status.rawValue])
            } else {
                candidates = []
            }
            var retried: [Job] = []
            for var job in candidates where JobStatus.retryable.contains(job.status) {
                do {
                    try requeue(&job, db: db)
                    retried.append(job)
                } catch JobQueueError.conflict {
                    continue
                }
            }
            return retried
        }
        retried.forEach { events(.status($0)) }
        if !retried.isEmpty { notifyEnqueued() }
        return retried
    }

    private func requeue(_ job: inout Job, db: Database) throws {
        let now = Self.now
        job.attempts = 0
        job.runAfter = Date(timeIntervalSince1970: now)
        job.finishedAt = nil
        job.lastError = nil
        job.errorClass = nil
        job.errorDetail = nil
        job.worker = nil
        job.progressPercent = nil
        job.progressBytes = nil
        job.progressTotalBytes = nil
        job.progressSpeed = nil
        job.progressEta = nil
        do {
            try transition(db, &job, to: .pending, message: "Retried by the user", now: now)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw JobQueueError.conflict("Video \(job.videoId ?? "?") already has a download queued or running; retry that one instead.")
        }
    }

    /// Cancel: pending, retrying or zombie → cancelled at once; a running job is told to stop
    /// and becomes cancelled when its handler returns. Cancelling a cancelled job is no error.
    public func cancel(_ id: Int64) throws -> Job {
        var runningJob: Job?
        let job = try database.write { db -> Job in
            guard var job = try Job.fetchOne(db, key: id) else { throw JobQueueError.notFound(id) }
            switch job.status {
            case .cancelled:
                return job
            case .pending, .retrying, .zombie:
                job.errorClass = .cancelled
                try transition(db, &job, to: .cancelled, message: "Cancelled by the user", errorClass: .cancelled, now: Self.now)
                return job
            case .running:
                runningJob = job
                return job
            case .completed, .failed, .timeout, .dead_letter:
                throw JobQueueError.conflict("Job \(id) is \(job.status.rawValue); only queued or running jobs can be cancelled.")
            }
        }
        if let running = runningJob {
            let handled = listeners.withLock { $0.onCancelRunning }.contains { $0(running) }
            if !handled {
                // Running in no worker of this process: its owner is gone, so cancel it here.
                return try database.write { db -> Job in
                    guard var job = try Job.fetchOne(db, key: id), job.status == .running else {
                        return try Job.fetchOne(db, key: id)!
                    }
                    try transition(db, &job, to: .cancelled, message: "Cancelled by the user", errorClass: .cancelled, now: Self.now)
                    return job
                }
            }
            return running
        }
        events(.status(job))
        return job
    }

    // MARK: - Reading

    /// The earliest `run_after` of a waiting job of these kinds, if any: the first entry of each
    /// kind in `jobs_kind_due` (v16), one seek a kind (`nextDueQuery`).
    func nextDueTime(kinds: [String]) throws -> Double? {
        try database.read { db in
            try kinds.compactMap { kind in
                let query = Self.nextDueQuery(kind: kind)
                return try Double.fetchOne(db.cachedStatement(sql: query.sql), arguments: query.arguments)
            }.min()
        }
    }

    /// The earliest `run_after` of a waiting job of `kind`. (One kind a query: with `kind IN`,
    /// SQLite reads every waiting entry of the kinds for the minimum.)
    public static func nextDueQuery(kind: String) -> ListQuery {
        ListQuery("SELECT min(run_after) FROM jobs WHERE kind = ? AND status IN \(JobStatus.waiting.sql)", [kind])
    }

    /// Jobs newest first, optionally filtered, with cursor paging on the id.
    public func jobs(status: JobStatus? = nil, kind: String? = nil, sourceId: Int64? = nil, limit: Int = 100, before: Int64? = nil) throws -> [Job] {
        try jobs(statuses: status.map { [$0] }, kind: kind, sourceId: sourceId, limit: limit, after: before.map { .newest(beforeId: $0) })
    }

    /// How a job list is ordered, and where a page starts.
    public enum ListPosition: Sendable, Equatable {
        /// Newest first; the page starts below this id.
        case newest(beforeId: Int64)
        /// Waiting jobs in the order workers will claim them (priority, then `run_after`, then
        /// id); the page starts after the job with these.
        case due(priority: Int, runAfter: Double, afterId: Int64)

    }

    /// Jobs newest first (or waiting jobs in due order), filtered by statuses, kind and
    /// source, with keyset paging.
    public func jobs(statuses: Set<JobStatus>?, kind: String? = nil, sourceId: Int64? = nil, dueOrder: Bool = false,
                     limit: Int = 100, after position: ListPosition? = nil) throws -> [Job] {
        let queries = try listQueries(statuses: statuses, kind: kind, sourceId: sourceId, dueOrder: dueOrder, limit: limit, after: position)
        let jobs = try database.read { db in
            try queries.flatMap { try Job.fetchAll(db, sql: $0.sql, arguments: $0.arguments) }
        }
        guard queries.count > 1 else { return jobs }
        // Each query returned its own first `limit` rows in order; the page is the first
        // `limit` of all of them.
        let sorted = dueOrder
            ? jobs.sorted { ($1.priority, $0.runAfter, $0.id ?? 0) < ($0.priority, $1.runAfter, $1.id ?? 0) }
            : jobs.sorted { ($0.id ?? 0) > ($1.id ?? 0) }
        return Array(sorted.prefix(limit))
    }

    /// The queries of one page of jobs (what `jobs(statuses:…)` runs), each an index seek of at
    /// most `limit` rows:
    /// - newest first, one query per status of the set (`jobs_status`, `jobs_channel`: status
    ///   and id within a source), merged by id: one query over a set of statuses walked the ids
    ///   and skipped every job of the other statuses (20 for each shown at 300,000 jobs);
    /// - due order, only for waiting jobs: `jobs_due` (`jobs_source_due` within a source) from
    ///   the cursor on, the rest of the cursor's priority first, then the lower priorities.
    func listQueries(statuses: Set<JobStatus>?, kind: String?, sourceId: Int64?, dueOrder: Bool,
                     limit: Int, after position: ListPosition?) throws -> [ListQuery] {
        var common: [String] = []
        var arguments: StatementArguments = []
        if let kind { common.append("kind = ?"); arguments += [kind] }
        if let sourceId { common.append("source_id = ?"); arguments += [sourceId] }
        func query(_ conditions: [String], _ values: StatementArguments, order: String, index: String? = nil) -> ListQuery {
            let all = conditions + common
            return ListQuery("""
                SELECT \(Job.columnList) FROM jobs \(index.map { "INDEXED BY \($0)" } ?? "")
                \(all.isEmpty ? "" : "WHERE " + all.joined(separator: " AND "))
                ORDER BY \(order) LIMIT ?
                """, values + arguments + [limit])
        }
        if dueOrder {
            let statuses = statuses ?? JobStatus.waiting
            guard statuses.isSubset(of: JobStatus.waiting) else {
                throw JobQueueError.invalid(field: "order", "due order lists waiting jobs only (status pending, retrying).")
            }
            // The partial indexes' own condition, word for word, so the planner may use them.
            var base = ["status IN \(JobStatus.waiting.sql)"]
            if statuses != JobStatus.waiting { base.append("status IN \(statuses.sql)") }
            let order = "priority DESC, run_after, id"
            // Named, as in the claim: without statistics the planner took `jobs_status` and
            // sorted every waiting job.
            let index = sourceId == nil ? "jobs_due" : "jobs_source_due"
            switch position {
            case .due(let priority, let runAfter, let id)?:
                return [
                    query(base + ["priority = ?", "run_after >= ?", "(run_after > ? OR id > ?)"], [priority, runAfter, runAfter, id],
                          order: order, index: index),
                    query(base + ["priority < ?"], [priority], order: order, index: index),
                ]
            case .newest?:
                throw JobQueueError.invalid(field: "before", "belongs to another order; start from the first page.")
            case nil:
                return [query(base, [], order: order, index: index)]
            }
        }
        var before: [String] = []
        var beforeArguments: StatementArguments = []
        switch position {
        case .newest(let id)?: before = ["id < ?"]; beforeArguments = [id]
        case .due?: throw JobQueueError.invalid(field: "before", "belongs to another order; start from the first page.")
        case nil: break
        }
        guard let statuses, statuses != Set(JobStatus.allCases) else {
            return [query(before, beforeArguments, order: "id DESC")]
        }
        return statuses.sorted { $0.rawValue < $1.rawValue }.map { status in
            query(["status = ?"] + before, [status.rawValue] + beforeArguments, order: "id DESC")
        }
    }

    /// How many jobs one housekeeping transaction deletes ("Clear finished", pruning). A job
    /// goes with its timeline, ten indexes and its counters: about 0.4–1.25 ms each at 300,000
    /// jobs on a busy 2-core machine, so 500 per batch held the writer 200–625 ms, and 25 hold it
    /// 10–30 ms: a click waits for at most that (`scripts/bench/scale.py`, docs/benchmarks.md).
    public static let deleteBatchSize = 25

    /// Deletes finished jobs (with their timelines) of the given terminal statuses, a batch
    /// at a time at background priority ("Clear finished"). Returns how many went.
    public func deleteFinished(_ statuses: Set<JobStatus>, sourceId: Int64? = nil) throws -> Int {
        guard !statuses.isEmpty, statuses.isSubset(of: JobStatus.terminal) else {
            throw JobQueueError.conflict("Only finished jobs can be cleared (\(JobStatus.terminal.map(\.rawValue).sorted().joined(separator: ", "))).")
        }
        var total = 0
        while true {
            let batch = Self.clearQuery(statuses, sourceId: sourceId, limit: Self.deleteBatchSize)
            let deleted = try database.write(priority: .background, work: .clearJobs) { db -> Int in
                try db.execute(sql: "DELETE FROM jobs WHERE id IN (\(batch.sql))", arguments: batch.arguments)
                return db.changesCount
            }
            total += deleted
            if deleted < Self.deleteBatchSize { break }
        }
        if total > 0 { events(.deleted(JobsDeleted(count: total, statuses: statuses.map(\.rawValue).sorted()))) }
        return total
    }

    /// The next batch of finished jobs to clear: seeks in `jobs_status` (`jobs_channel` within
    /// a source).
    static func clearQuery(_ statuses: Set<JobStatus>, sourceId: Int64?, limit: Int) -> ListQuery {
        ListQuery("SELECT id FROM jobs WHERE status IN \(statuses.sql) \(sourceId == nil ? "" : "AND source_id = ?") LIMIT ?",
                  (sourceId.map { [$0] } ?? []) + [limit])
    }

    public func job(_ id: Int64) throws -> Job? {
        try database.read { try Job.fetchOne($0, key: id) }
    }

    /// The job's timeline, oldest first.
    public func timeline(of id: Int64) throws -> [JobEvent] {
        try database.read { db in
            try JobEvent.fetchAll(db, sql: "SELECT * FROM job_events WHERE job_id = ? ORDER BY id", arguments: [id])
        }
    }

    /// How many jobs are in each of the nine statuses (of one source, when given): the
    /// counters the triggers keep (`StoredCounts`), never a count over the jobs.
    public func counts(sourceId: Int64? = nil) throws -> [JobStatus: Int] {
        try database.read { db in try StoredCounts.jobsByStatus(db, owner: sourceId ?? StoredCounts.everyOwner) }
    }
}
