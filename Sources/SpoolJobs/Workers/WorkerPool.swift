import Foundation
import Logging
import SpoolStore
import Synchronization

/// N worker threads that claim due jobs and run their kind's handler, plus one supervisor
/// thread that renews leases, enforces time limits and stall watchdogs, flushes held-back
/// progress and finds zombies. (Periodic maintenance is the domain's scheduler's.)
///
/// Workers sleep on a condition when nothing is due and wake at once on enqueue, on a retry
/// falling due (they sleep exactly until the earliest `run_after`), on cancel or on shutdown:
/// no loop polls the database.
public final class WorkerPool: Sendable {
    public let queue: JobQueue
    public let options: WorkerPoolOptions
    private let logger: Logger
    private let registry = Mutex(Registry())
    private let running = Mutex(RunningJobs())
    private let wakeUp = NSCondition()
    /// Bumped on every wake-up; guarded by `wakeUp`.
    nonisolated(unsafe) private var generation = 0
    private let state = Mutex(PoolState())
    private let finished = DispatchGroup()
    /// Holds claims of some kinds back (the downloader's brake).
    private let claimGate = Mutex<(any ClaimGate)?>(nil)

    /// Each kind's handler and limits, and the kinds sorted (every claim asks for them).
    private struct Registry {
        var entries: [String: (handler: any JobHandler, limits: JobLimits)] = [:]
        private(set) var kinds: [String] = []

        mutating func register(_ kind: String, _ entry: (handler: any JobHandler, limits: JobLimits)) {
            entries[kind] = entry
            kinds = entries.keys.sorted()
        }
    }

    /// The jobs this pool's workers run, and cancels that arrived for one of its jobs between
    /// the claim's commit and the worker picking it up.
    private struct RunningJobs {
        var contexts: [Int64: JobContext] = [:]
        var cancelledBeforeStart: Set<Int64> = []
    }

    private struct PoolState {
        var stopping = false
        var started = false
        var busyWorkers = 0
        var zombiesRecovered = 0
    }

    public init(queue: JobQueue, options: WorkerPoolOptions, logger: Logger = Logger(label: "spool.jobs")) {
        self.queue = queue
        self.options = options
        self.logger = logger
        queue.addEnqueueListener { [weak self] in self?.signal() }
        queue.addCancelListener { [weak self] job in self?.cancel(job) ?? false }
    }

    /// Registers the handler of a kind; call before `start`.
    public func register(_ kind: String, limits: JobLimits = JobLimits(), handler: any JobHandler) {
        registry.withLock { $0.register(kind, (handler, limits)) }
    }

    /// Lets `gate` hold back claims of some kinds (see `ClaimGate`).
    public func setClaimGate(_ gate: any ClaimGate) {
        claimGate.withLock { $0 = gate }
    }

    /// Wakes sleeping workers to claim again (a gate opened early, say).
    public func wake() {
        signal()
    }

    /// The registered kinds.
    public var kinds: [String] { registry.withLock { $0.kinds } }

    /// Recovers zombies of earlier runs, then starts the workers and the supervisor.
    public func start() throws {
        let recovered = try queue.recoverZombies()
        state.withLock {
            $0.started = true
            $0.zombiesRecovered += recovered
        }
        for index in 0..<max(1, options.workers) {
            finished.enter()
            let thread = Thread { [self] in
                workerLoop(name: "\(queue.runId)/\(index + 1)")
                finished.leave()
            }
            thread.name = "spool.jobs.worker.\(index + 1)"
            thread.start()
        }
        finished.enter()
        let supervisor = Thread { [self] in
            supervisorLoop()
            finished.leave()
        }
        supervisor.name = "spool.jobs.supervisor"
        supervisor.start()
    }

    /// Stops claiming, tells running handlers to stop and waits for them up to the grace
    /// period. Jobs still running stay `running` and become zombies at the next start.
    public func stop() {
        let wasStarted = state.withLock { state -> Bool in
            state.stopping = true
            return state.started
        }
        guard wasStarted else { return }
        running.withLock { Array($0.contexts.values) }.forEach { $0.stop(.shutdown) }
        signal()
        if finished.wait(timeout: .now() + options.shutdownGraceSeconds) == .timedOut {
            logger.warning("Some jobs did not stop in time; they will be retried after the restart")
        }
    }

    /// Figures for `/api/health`.
    public struct Status: Sendable {
        public let workers: Int
        public let busy: Int
        public let zombiesRecovered: Int
    }

    public var status: Status {
        state.withLock { Status(workers: options.workers, busy: $0.busyWorkers, zombiesRecovered: $0.zombiesRecovered) }
    }

    /// True while some job runs in this process.
    public var isBusy: Bool { running.withLock { !$0.contexts.isEmpty } }

    /// True while a job of one of `kinds` runs in this process.
    public func isRunning(kinds: Set<String>) -> Bool {
        running.withLock { $0.contexts.values.contains { kinds.contains($0.job.kind) } }
    }

    /// True when no job runs and none is due: when maintenance may run.
    public func isIdle() -> Bool {
        guard !isBusy else { return false }
        guard let due = try? queue.nextDueTime(kinds: kinds) else { return true }
        return due > Date().timeIntervalSince1970
    }

    // MARK: - Workers

    func signal() {
        wakeUp.lock()
        generation += 1
        wakeUp.broadcast()
        wakeUp.unlock()
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    private func workerLoop(name: String) {
        // The job claimed together with the end of the previous one, if any.
        var next: Job?
        while true {
            if let job = next {
                // Run even when stopping: it is claimed, and a shutdown stops it quickly.
                next = run(job, worker: name)
                continue
            }
            if isStopping { return }
            wakeUp.lock()
            let seen = generation
            wakeUp.unlock()

            let (request, gateUntil) = claimRequest(worker: name)
            do {
                next = try queue.claim(request)
            } catch {
                logger.error("Claiming failed", metadata: ["error": "\(StoreErrorDescription.plain(error))"])
            }
            if let next {
                claimGate.withLock { $0 }?.didClaim(next)
                continue
            }
            // Nothing due: sleep until the next job falls due, a gate opens, or a wake-up.
            var deadline = Date().addingTimeInterval(60)
            if let due = try? queue.nextDueTime(kinds: request.kinds) {
                deadline = min(deadline, Date(timeIntervalSince1970: due))
            }
            if let gateUntil { deadline = min(deadline, Date(timeIntervalSince1970: gateUntil)) }
            wakeUp.lock()
            while generation == seen && !isStopping && Date() < deadline {
                _ = wakeUp.wait(until: deadline)
            }
            wakeUp.unlock()
        }
    }

    /// What `worker` may claim now: the kinds not held back by the claim gate, and the
    /// earliest time a held kind opens.
    private func claimRequest(worker: String) -> (JobQueue.ClaimRequest, Double?) {
        let (kinds, gateUntil) = claimableKinds()
        return (JobQueue.ClaimRequest(worker: worker, kinds: kinds, leaseSeconds: options.leaseSeconds), gateUntil)
    }

    /// Kinds not held back by the claim gate, and the earliest time a held kind opens.
    private func claimableKinds() -> ([String], Double?) {
        let gate = claimGate.withLock { $0 }
        let now = Date().timeIntervalSince1970
        var open: [String] = []
        var earliest: Double?
        for kind in kinds {
            if let until = gate?.heldUntil(kind: kind), until > now {
                earliest = min(earliest ?? until, until)
            } else {
                open.append(kind)
            }
        }
        return (open, earliest)
    }

    /// Runs the job's handler and records how it ended; returns the worker's next job when
    /// one was claimed in the same transaction.
    private func run(_ job: Job, worker: String) -> Job? {
        guard let entry = registry.withLock({ $0.entries[job.kind] }) else { return nil }
        let context = JobContext(job: job, minimumProgressInterval: options.progressIntervalSeconds) { [queue] id, progress in
            queue.writeProgress(id, progress)
        }
        let cancelledBeforeStart = running.withLock { running in
            running.contexts[job.id!] = context
            return running.cancelledBeforeStart.remove(job.id!) != nil
        }
        state.withLock { $0.busyWorkers += 1 }
        // Claimed just as the pool began to stop: `stop` did not see this context.
        if isStopping { context.stop(.shutdown) }
        defer {
            running.withLock { _ = $0.contexts.removeValue(forKey: job.id!) }
            state.withLock { $0.busyWorkers -= 1 }
        }
        // Cancelled between its claim and now: the handler never starts.
        let outcome = cancelledBeforeStart ? .stopped(.userCancelled) : self.outcome(of: entry.handler, in: context)
        let next = isStopping ? nil : claimRequest(worker: worker).0
        do {
            let claimed = try queue.finish(job, worker: worker, outcome: outcome, logTail: context.logTail, thenClaim: next)
            if let claimed { claimGate.withLock { $0 }?.didClaim(claimed) }
            return claimed
        } catch {
            logger.error("Recording a job's end failed; it will be recovered as a zombie", metadata: ["job": "\(job.id!)", "error": "\(StoreErrorDescription.plain(error))"])
            return nil
        }
    }

    /// Runs the handler and says how the run ended.
    private func outcome(of handler: any JobHandler, in context: JobContext) -> JobQueue.RunOutcome {
        do {
            let completion = try handler.run(context)
            // A run asked to stop may return early: it did not finish its work.
            if let reason = context.stopReason, reason != .shutdown { return .stopped(reason) }
            return .completed(completion)
        } catch let failure as JobFailure {
            return context.stopReason.map { .stopped($0) } ?? .failed(failure)
        } catch {
            return context.stopReason.map { .stopped($0) } ?? .failed(JobFailure(.transient, "\(error)"))
        }
    }

    /// A user's cancel of a running job: its handler is told to stop. A job claimed by one of
    /// this pool's workers that has not started yet (the claim committed a moment ago) is
    /// remembered and never starts; true in both cases. Jobs of other runs are not ours.
    private func cancel(_ job: Job) -> Bool {
        guard let id = job.id else { return false }
        let claimedHere = job.worker?.hasPrefix(queue.runId + "/") == true
        let context = running.withLock { running -> JobContext? in
            if let context = running.contexts[id] { return context }
            if claimedHere { running.cancelledBeforeStart.insert(id) }
            return nil
        }
        context?.stop(.userCancelled)
        return context != nil || claimedHere
    }

    // MARK: - Supervisor

    private func supervisorLoop() {
        var lastHeartbeat = Date().timeIntervalSince1970
        while !isStopping {
            // A wait that `stop` ends at once (a plain sleep made every shutdown take up to
            // the whole interval: 0.5 s per server stop).
            wakeUp.lock()
            if !isStopping { _ = wakeUp.wait(until: Date().addingTimeInterval(options.supervisionSeconds)) }
            wakeUp.unlock()
            if isStopping { break }
            let now = Date().timeIntervalSince1970
            let contexts = running.withLock { Array($0.contexts.values) }
            for context in contexts {
                // Progress held back by the write interval is written once the interval has
                // passed, so the last figure before a quiet spell is never lost.
                context.flushPendingProgress(now: now)
                guard let limits = registry.withLock({ $0.entries[context.job.kind]?.limits }) else { continue }
                if let limit = limits.timeLimit, now - context.startedAt > limit {
                    context.stop(.timeLimit)
                } else if let stall = limits.stallTimeout, now - context.lastActivity > stall {
                    context.stop(.stalled)
                }
            }
            if now - lastHeartbeat >= options.heartbeatSeconds {
                lastHeartbeat = now
                do {
                    try queue.renewLeases(contexts.map(\.jobId), leaseSeconds: options.leaseSeconds)
                    let recovered = try queue.recoverZombies()
                    if recovered > 0 { state.withLock { $0.zombiesRecovered += recovered } }
                } catch {
                    logger.error("Supervision failed", metadata: ["error": "\(StoreErrorDescription.plain(error))"])
                }
            }
        }
    }
}
