import SpoolStore

/// Holds claims of some kinds back, e.g. every download while a site rate-limits us.
///
/// The pool asks before each claim and tells the gate what it claimed, so a gate can let
/// exactly one job through after a pause (a probe) and keep the others waiting until it
/// knows whether the site answers again. Both calls run on worker threads: keep them quick.
public protocol ClaimGate: Sendable {
    /// The Unix time until which jobs of `kind` must wait, or nil when they may be claimed.
    /// Workers sleep until the earliest such time unless `WorkerPool.wake()` is called.
    func heldUntil(kind: String) -> Double?
    /// A worker claimed `job` (of any kind).
    func didClaim(_ job: Job)
}
