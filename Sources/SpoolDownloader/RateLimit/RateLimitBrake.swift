import Foundation
import SpoolStore
import Synchronization

/// One shared brake on rate limits: when a site answers 429 or asks to confirm "not a bot",
/// every download pauses for a cool-down instead of each job burning its attempts. The
/// cool-down doubles on repeats (up to a cap) and resets after a successful download.
public final class RateLimitBrake: Sendable {
    /// What `/api/health` and the `ratelimit.*` events show.
    public struct State: Sendable, Codable, Equatable {
        public var pausedUntil: Date?
        public var cooldownSeconds: Double
        public var trips: Int
    }

    private let hub: EventHub
    private let baseSeconds: Double
    private let capSeconds: Double
    private let state: Mutex<State>

    public init(hub: EventHub, baseSeconds: Double = 60, capSeconds: Double = 3600) {
        self.hub = hub
        self.baseSeconds = baseSeconds
        self.capSeconds = capSeconds
        self.state = Mutex(State(pausedUntil: nil, cooldownSeconds: 0, trips: 0))
    }

    public var current: State {
        state.withLock { state in
            var copy = state
            if let until = copy.pausedUntil, until <= Date() { copy.pausedUntil = nil }
            return copy
        }
    }

    /// Unix time until which downloads wait, or nil.
    public var pausedUntil: Double? {
        current.pausedUntil?.timeIntervalSince1970
    }

    /// A download was rate-limited: pause everyone. Returns the end of the pause.
    @discardableResult
    public func trip() -> Date {
        let snapshot = state.withLock { state -> State in
            let cooldown = state.cooldownSeconds == 0 ? baseSeconds : min(capSeconds, state.cooldownSeconds * 2)
            let until = Date().addingTimeInterval(cooldown)
            // Several downloads hitting the limit at once extend one pause, not stack pauses.
            if let current = state.pausedUntil, current > Date() {
                return state
            }
            state.cooldownSeconds = cooldown
            state.pausedUntil = until
            state.trips += 1
            return state
        }
        hub.publish("ratelimit.paused", snapshot)
        return snapshot.pausedUntil ?? Date()
    }

    /// A download succeeded: the next limit starts from the base cool-down again.
    public func reset() {
        let changed = state.withLock { state -> State? in
            guard state.cooldownSeconds != 0 else { return nil }
            state.cooldownSeconds = 0
            state.pausedUntil = nil
            return state
        }
        if let changed { hub.publish("ratelimit.resumed", changed) }
    }
}
