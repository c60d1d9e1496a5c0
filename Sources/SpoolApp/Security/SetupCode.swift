import Foundation
import SpoolAuth
import Synchronization

/// The first start's one-time code: while no account has a password, start-up prints a link
/// with it (`/setup?code=…`), and only a browser that presents it may name the owner account.
/// Held in memory only: a restart prints a new one, and it is gone once used.
final class SetupCode: Sendable {
    private let code = Mutex<String?>(nil)

    /// A new code (24 characters, 144 random bits).
    func issue() -> String {
        let fresh = String(Secrets.newSessionID().prefix(24))
        code.withLock { $0 = fresh }
        return fresh
    }

    func matches(_ candidate: String) -> Bool {
        guard let current = code.withLock({ $0 }) else { return false }
        return TokenDigest(of: current).matches(candidate)
    }

    func consume() {
        code.withLock { $0 = nil }
    }
}
