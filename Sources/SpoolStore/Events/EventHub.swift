import Foundation
import Synchronization

/// Something that happened after a committed write (`job.status`, `job.progress`,
/// `track.deleted`, …), numbered in publication order.
public struct DomainEvent: Sendable {
    /// Strictly increasing from 1 within a process run.
    public let sequence: Int64
    /// The event type, e.g. `job.status`.
    public let type: String
    public let at: Date
    /// The committed state the event is about (a `Job`, a `Track`, …); the HTTP layer shapes it.
    public let payload: any Sendable
}

/// The in-process hub that numbers domain events, keeps the most recent ones in a ring for
/// clients that reconnect (`/ws?since=N`), and hands each to every subscriber.
///
/// Subscribers are called on the publisher's thread, outside the hub's lock: they must return
/// quickly (the WebSocket layer only hops to the event loop).
public final class EventHub: Sendable {
    /// What a subscriber receives.
    public typealias Handler = @Sendable (DomainEvent) -> Void

    /// Cancels a subscription when asked, or when released.
    public final class Subscription: Sendable {
        private let cancelAction: Mutex<(@Sendable () -> Void)?>

        init(cancel: @escaping @Sendable () -> Void) {
            self.cancelAction = Mutex(cancel)
        }

        public func cancel() {
            let action = cancelAction.withLock { action in
                defer { action = nil }
                return action
            }
            action?()
        }

        deinit { cancel() }
    }

    private struct State {
        var lastSequence: Int64 = 0
        var ring: [DomainEvent] = []
        var ringStart = 0
        var subscribers: [Int: Handler] = [:]
        var nextSubscriberId = 0
    }

    private let state = Mutex(State())
    public let ringCapacity: Int

    public init(ringCapacity: Int = 4096) {
        self.ringCapacity = max(1, ringCapacity)
    }

    /// Numbers the event, remembers it and hands it to every subscriber.
    @discardableResult
    public func publish(_ type: String, _ payload: any Sendable) -> DomainEvent {
        let (event, handlers) = state.withLock { state -> (DomainEvent, [Handler]) in
            state.lastSequence += 1
            let event = DomainEvent(sequence: state.lastSequence, type: type, at: Date(), payload: payload)
            if state.ring.count < ringCapacity {
                state.ring.append(event)
            } else {
                state.ring[state.ringStart] = event
                state.ringStart = (state.ringStart + 1) % ringCapacity
            }
            return (event, Array(state.subscribers.values))
        }
        for handler in handlers { handler(event) }
        return event
    }

    /// Calls `handler` for every event published from now on, until the subscription is cancelled.
    public func subscribe(_ handler: @escaping Handler) -> Subscription {
        let id = state.withLock { state in
            state.nextSubscriberId += 1
            state.subscribers[state.nextSubscriberId] = handler
            return state.nextSubscriberId
        }
        return Subscription { [weak self] in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
    }

    /// The number of the newest event, 0 before the first.
    public var lastSequence: Int64 {
        state.withLock { $0.lastSequence }
    }

    /// The events published after `sequence`, oldest first, or `nil` when some of them have
    /// already left the ring (the client must then refetch its state).
    public func events(after sequence: Int64) -> [DomainEvent]? {
        state.withLock { state in
            let ordered = Array(state.ring[state.ringStart...] + state.ring[..<state.ringStart])
            guard sequence < state.lastSequence else { return [] }
            guard let oldest = ordered.first, oldest.sequence <= sequence + 1 else { return nil }
            return ordered.filter { $0.sequence > sequence }
        }
    }
}
