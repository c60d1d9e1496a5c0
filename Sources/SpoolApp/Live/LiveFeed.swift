import Foundation
import SpoolCore
import SpoolHTTP
import SpoolStore

/// Wires the event hub to the WebSocket hub: every domain event becomes
/// `{"seq", "type", "at", "data"}` in the API's own shapes; a reconnecting client gets what it
/// missed from the hub's ring, or `{"type": "reset"}` when that is gone (or the server
/// restarted and its numbering began again).
///
/// An event carries everything its message needs (a channel's counts included), so encoding
/// never reads the database: not when it is broadcast, not when a reconnecting client's
/// replay is built.
final class LiveFeed: Sendable {
    let hub: EventHub
    private let subscription: EventHub.Subscription?
    let webSocket: WebSocketHub

    /// - Parameter identify: who an upgrade request comes from (its session, API key or the
    ///   token); each client then receives only the events of its audience
    ///   (`SpoolEvent.audience`): a listener sees the shared library and its own likes, not the
    ///   queue or another member's likes.
    init(hub: EventHub, allowedOrigins: [String], identify: @escaping @Sendable (HTTPRequest) throws -> Principal?) {
        self.hub = hub
        let socket = WebSocketHub(
            path: "/ws", allowedOrigins: allowedOrigins,
            greeting: { [hub] query, viewer in Self.replay(since: query["since"].flatMap(Int64.init), viewer: viewer, hub: hub) },
            topUp: { [hub] through, viewer in Self.replay(since: through, viewer: viewer, hub: hub) },
            identify: { request in try identify(request).map(Self.viewer(of:)) })
        self.webSocket = socket
        self.subscription = hub.subscribe { event in
            // Encoding runs on the publisher's thread: skip it when nobody listens. A client
            // connecting meanwhile starts from the next event, as if it had connected a
            // moment later (its `?since=` replay comes from the hub's ring).
            guard socket.statistics.clients > 0 else { return }
            socket.broadcast(Self.message(for: event), coalescingKey: event.event.coalescingKey,
                             audience: Self.audience(of: event.event), sequence: event.sequence)
        }
    }

    /// The events after `since` that `viewer` may see, and the number they run through; a
    /// `reset` when some have left the ring (or the numbering began again at a restart).
    static func replay(since: Int64?, viewer: WebSocketViewer, hub: EventHub) -> WebSocketReplay {
        guard let since else { return .none }
        let last = hub.lastSequence
        guard since <= last, let missed = hub.events(after: since) else {
            return WebSocketReplay(messages: [#"{"type":"reset","seq":\#(last)}"#], through: last)
        }
        return WebSocketReplay(messages: missed.filter { audience(of: $0.event).includes(viewer) }.map(message(for:)),
                               through: missed.last?.sequence ?? since)
    }

    static func viewer(of principal: Principal) -> WebSocketViewer {
        WebSocketViewer(userId: principal.userId, isAdmin: principal.isAdmin)
    }

    static func audience(of event: SpoolEvent) -> WebSocketAudience {
        switch event.audience {
        case .everyone: .everyone
        case .admins: .admins
        case .user(let id): .user(id)
        }
    }

    private struct Envelope<Data: Encodable>: Encodable {
        let seq: Int64
        let type: String
        let at: Date
        let data: Data
    }

    /// The JSON text of an event.
    static func message(for published: PublishedEvent) -> String {
        func encode<T: Encodable>(_ data: T) -> String {
            let envelope = Envelope(seq: published.sequence, type: published.event.name.rawValue, at: published.at, data: data)
            return (try? JSONCoding.encoder.encode(envelope)).map { String(decoding: $0, as: UTF8.self) }
                ?? #"{"type":"reset","seq":\#(published.sequence)}"#
        }
        switch published.event {
        case .jobStatus(let job): return encode(JobRepresentation(job))
        case .jobProgress(let progress): return encode(JobProgressRepresentation(progress))
        case .jobsEnqueued(let batch): return encode(batch)
        case .jobsDeleted(let batch): return encode(batch)
        case .trackAdded(let track), .trackUpdated(let track), .trackDeleted(let track), .trackRestored(let track),
             .trackStateChanged(_, let track):
            return encode(TrackRepresentation(track))
        case .trackPurged(let id): return encode(["id": id])
        case .sourceUpdated(let snapshot): return encode(SourceRepresentation(snapshot))
        case .sourceDeleted(let id): return encode(["id": id])
        case .downloadsPaused(let state), .downloadsResumed(let state): return encode(BrakeRepresentation(state))
        case .ytdlpUpdate(let record): return encode(record)
        case .syncSettled(let round): return encode(round)
        case .backupFinished(let run): return encode(run)
        }
    }
}
