import Foundation

/// When a transiently failed job runs again:
/// `delay(attempt) = min(cap, base · 2^(attempt − 1)) · (1 + jitter · u)`, u uniform in [0, 1).
/// Defaults: base 30 s, cap 1 h, jitter 0.2 — so 30 s, 60 s, 2 min, 4 min … up to 1 h (+ ≤ 20 %).
public struct RetryPolicy: Sendable {
    public var baseSeconds: Double
    public var capSeconds: Double
    public var jitter: Double

    public init(baseSeconds: Double = 30, capSeconds: Double = 3600, jitter: Double = 0.2) {
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
        self.jitter = jitter
    }

    /// Seconds to wait after the `attempt`-th attempt (1-based) failed.
    public func delay(afterAttempt attempt: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = Double(max(0, attempt - 1))
        let raw = min(capSeconds, baseSeconds * pow(2, min(exponent, 60)))
        return raw * (1 + jitter * random)
    }
}
