import Foundation
import Synchronization

/// An event numbered by the hub.
public struct PublishedEvent: Sendable {
    /// Strictly increasing from 1 within a process run.
    public let sequence: Int64
    public let at: Date
    public let event: SpoolEvent
}

/// The in-process hub: numbers domain events, keeps the most recent ones in a ring for clients
/// that reconnect (`/ws?since=N`), and hands each to every subscriber **in sequence order**.
///
/// Numbering and delivery happen under one delivery lock: two threads publishing at once
/// used to be numbered in one order and delivered in the other (a reader saw `seq` go back).
/// Subscribers therefore run under that lock and must return quickly and never publish
/// (the live feed only encodes and hands the text to the loop).
public final class EventHub: Sendable {
    public typealias Handler = @Sendable (PublishedEvent) -> Void

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
        var ring: [PublishedEvent] = []
        var ringStart = 0
        var subscribers: [Int: Handler] = [:]
        var nextSubscriberId = 0
    }

    private let state = Mutex(State())
    /// Held from numbering to the last subscriber's return: delivery in sequence order.
    private let delivery = Mutex(())
    public let ringCapacity: Int

    public init(ringCapacity: Int = 4096) {
        self.ringCapacity = max(1, ringCapacity)
    }

    /// Numbers the event, remembers it and hands it to every subscriber.
    @discardableResult
    public func publish(_ event: SpoolEvent) -> PublishedEvent {
        delivery.withLock { _ in
            let (published, handlers) = state.withLock { state -> (PublishedEvent, [Handler]) in
                state.lastSequence += 1
                let published = PublishedEvent(sequence: state.lastSequence, at: Date(), event: event)
                if state.ring.count < ringCapacity {
                    state.ring.append(published)
                } else {
                    state.ring[state.ringStart] = published
                    state.ringStart = (state.ringStart + 1) % ringCapacity
                }
                return (published, Array(state.subscribers.values))
            }
            for handler in handlers { handler(published) }
            return published
        }
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
    public func events(after sequence: Int64) -> [PublishedEvent]? {
        state.withLock { state in
            guard sequence < state.lastSequence else { return [] }
            let ordered = Array(state.ring[state.ringStart...] + state.ring[..<state.ringStart])
            guard let oldest = ordered.first, oldest.sequence <= sequence + 1 else { return nil }
            return ordered.filter { $0.sequence > sequence }
        }
    }
}
