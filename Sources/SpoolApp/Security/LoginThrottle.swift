import Foundation
import SpoolHTTP
import Synchronization

/// Slows down, then locks out, whoever keeps presenting wrong credentials.
///
/// Each failure counts against every subject of the attempt: the client's address, and (once
/// the household issue adds accounts) the user name tried, so that guessing one user's password
/// from many addresses is throttled as well as guessing many from one. The n-th failure in a
/// row is answered after `firstDelay · 2ⁿ⁻¹` seconds (at most `maximumDelay`), and the
/// `lockoutThreshold`-th locks the subject out for `lockoutSeconds` (doubling for each repeated
/// lock-out up to `maximumLockoutSeconds`): then every attempt gets 429 with `Retry-After`
/// without its credentials being looked at, so ten guesses per minute is the most anyone gets.
///
/// The delay is the caller's to apply without holding a thread (`HTTPResponse.delayed(by:)`):
/// the old `Thread.sleep(0.25)` on the work queue let 600 wrong sign-ins make a signed-in
/// user's request wait 18 s.
///
/// Memory is bounded: at most `maximumTracked` subjects, the least recently failed dropped first.
final class LoginThrottle: Sendable {
    /// Who a failure counts against.
    enum Subject: Hashable, Sendable {
        case address(String)
        case user(String)

        /// The client's address; an IPv6 address counts as its /64, which one host usually
        /// owns whole (and can rotate through freely).
        static func client(_ remoteAddress: String) -> Subject {
            guard let address = IPAddress(remoteAddress) else { return .address(remoteAddress) }
            if let v4 = address.mappedIPv4 { return .address(v4.bytes.map(String.init).joined(separator: ".")) }
            guard !address.isIPv4 else { return .address(remoteAddress) }
            let prefix = stride(from: 0, to: 8, by: 2).map { String(UInt16(address.bytes[$0]) << 8 | UInt16(address.bytes[$0 + 1]), radix: 16) }
            return .address(prefix.joined(separator: ":") + "::/64")
        }

        /// A user name, compared without case.
        static func user(named name: String) -> Subject { .user(name.lowercased()) }
    }

    struct Policy: Sendable {
        var firstDelay = 0.25
        var maximumDelay = 4.0
        var lockoutThreshold = 10
        var lockoutSeconds = 60.0
        var maximumLockoutSeconds = 900.0
        /// A subject whose last failure is older than this starts afresh.
        var forgetAfterSeconds = 900.0
        var maximumTracked = 10_000
    }

    /// Before the credentials are checked.
    enum Verdict: Equatable, Sendable {
        case allowed
        case lockedOut(retryAfterSeconds: Int)
    }

    /// After a failure: how to answer it.
    enum Penalty: Equatable, Sendable {
        case delay(seconds: Double)
        case lockedOut(retryAfterSeconds: Int)
    }

    private struct Record {
        var failures = 0
        var lastFailure: Double = 0
        var lockedUntil: Double = 0
        var lockouts = 0
    }

    let policy: Policy
    private let records = Mutex<[Subject: Record]>([:])

    init(policy: Policy = Policy()) {
        self.policy = policy
    }

    func verdict(for subjects: [Subject], now: Date = Date()) -> Verdict {
        let time = now.timeIntervalSince1970
        let lockedUntil = records.withLock { records in
            subjects.compactMap { records[$0]?.lockedUntil }.max() ?? 0
        }
        return lockedUntil > time ? .lockedOut(retryAfterSeconds: Int((lockedUntil - time).rounded(.up))) : .allowed
    }

    func recordFailure(for subjects: [Subject], now: Date = Date()) -> Penalty {
        let time = now.timeIntervalSince1970
        return records.withLock { records in
            var worst = Penalty.delay(seconds: 0)
            for subject in subjects {
                var record = records[subject] ?? Record()
                if time - record.lastFailure > policy.forgetAfterSeconds { record = Record() }
                record.failures += 1
                record.lastFailure = time
                let penalty: Penalty
                if record.failures >= policy.lockoutThreshold {
                    let seconds = min(policy.maximumLockoutSeconds, policy.lockoutSeconds * pow(2, Double(record.lockouts)))
                    record.lockouts += 1
                    record.failures = 0
                    record.lockedUntil = time + seconds
                    penalty = .lockedOut(retryAfterSeconds: Int(seconds.rounded(.up)))
                } else {
                    penalty = .delay(seconds: min(policy.maximumDelay, policy.firstDelay * pow(2, Double(record.failures - 1))))
                }
                records[subject] = record
                worst = Self.worse(worst, penalty)
            }
            if records.count > policy.maximumTracked { evictOldest(&records) }
            return worst
        }
    }

    /// Whether `subject` failed within `forgetAfterSeconds` (or is locked out).
    func hasRecentFailures(_ subject: Subject, now: Date = Date()) -> Bool {
        let time = now.timeIntervalSince1970
        return records.withLock { records in
            guard let record = records[subject] else { return false }
            return record.lockedUntil > time || (record.failures > 0 && time - record.lastFailure <= policy.forgetAfterSeconds)
        }
    }

    /// Subjects remembered (at most `policy.maximumTracked`).
    var trackedCount: Int { records.withLock { $0.count } }

    /// A correct sign-in clears the failures in a row (not a lock-out, which must run out).
    func recordSuccess(for subjects: [Subject]) {
        records.withLock { records in
            for subject in subjects { records[subject]?.failures = 0 }
        }
    }

    private static func worse(_ a: Penalty, _ b: Penalty) -> Penalty {
        switch (a, b) {
        case (.lockedOut(let x), .lockedOut(let y)): .lockedOut(retryAfterSeconds: max(x, y))
        case (.lockedOut, _): a
        case (_, .lockedOut): b
        case (.delay(let x), .delay(let y)): .delay(seconds: max(x, y))
        }
    }

    /// Drops the least recently failed quarter, so eviction runs once per many failures.
    private func evictOldest(_ records: inout [Subject: Record]) {
        let victims = records.sorted { $0.value.lastFailure < $1.value.lastFailure }.prefix(records.count / 4)
        for (subject, _) in victims { records.removeValue(forKey: subject) }
    }
}
