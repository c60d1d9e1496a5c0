import Foundation
import GRDB
import SpoolDownloader
import SpoolHTTP
import SpoolJobs
import SpoolStore

/// Wires the event hub to the WebSocket hub: every domain event becomes
/// `{"seq", "type", "at", "data"}` in the API's own shapes; a reconnecting client gets what it
/// missed from the hub's ring, or `{"type": "reset"}` when that is gone (or the server
/// restarted and its numbering began again).
final class LiveFeed: Sendable {
    let hub: EventHub
    let database: SpoolDatabase
    private let subscription: EventHub.Subscription?
    let webSocket: WebSocketHub

    init(hub: EventHub, database: SpoolDatabase, allowedOrigins: [String]) {
        self.hub = hub
        self.database = database
        let socket = WebSocketHub(path: "/ws", allowedOrigins: allowedOrigins) { [hub, database] query in
            Self.greeting(query: query, hub: hub, database: database)
        }
        self.webSocket = socket
        self.subscription = hub.subscribe { [database] event in
            // Encoding runs on the publisher's thread (a job worker): skip it when nobody
            // listens. A client connecting meanwhile starts from the next event, as if it had
            // connected a moment later (its `?since=` replay comes from the hub's ring).
            guard socket.statistics.clients > 0, let text = Self.message(for: event, database: database) else { return }
            socket.broadcast(text, coalescingKey: Self.coalescingKey(of: event))
        }
    }

    /// A client that falls behind needs only the newest progress and the newest status of
    /// each job: a queued, unsent message with the same key is replaced, not followed.
    static func coalescingKey(of event: DomainEvent) -> String? {
        switch event.payload {
        case let progress as JobProgressEvent: "progress-\(progress.jobId)"
        case let job as Job: job.id.map { "status-\($0)" }
        default: nil
        }
    }

    static func greeting(query: [String: String], hub: EventHub, database: SpoolDatabase) -> [String] {
        guard let since = query["since"].flatMap(Int64.init) else { return [] }
        guard since <= hub.lastSequence, let missed = hub.events(after: since) else {
            return [#"{"type":"reset","seq":\#(hub.lastSequence)}"#]
        }
        return missed.compactMap { message(for: $0, database: database) }
    }

    private struct Envelope<Data: Encodable>: Encodable {
        let seq: Int64
        let type: String
        let at: Date
        let data: Data
    }

    /// The JSON text of an event, or nil for payloads the feed does not show.
    static func message(for event: DomainEvent, database: SpoolDatabase) -> String? {
        func encode<T: Encodable>(_ data: T) -> String? {
            let envelope = Envelope(seq: event.sequence, type: event.type, at: event.at, data: data)
            return (try? JSONCoding.encoder.encode(envelope)).map { String(decoding: $0, as: UTF8.self) }
        }
        switch event.payload {
        case let job as Job: return encode(JobRepresentation(job))
        case let progress as JobProgressEvent: return encode(JobProgressRepresentation(progress))
        case let batch as JobsEnqueued: return encode(batch)
        case let item as LibraryTrack: return encode(TrackRepresentation(item))
        case let track as Track: return encode(TrackRepresentation(track, channelTitle: nil))
        case let channel as Channel:
            let counts = (try? ChannelsAPI.counts(of: channel.id ?? 0, database: database))
                ?? .init(videos: channel.videoCount, downloaded: 0, queued: 0, failed: 0)
            return encode(ChannelRepresentation(channel, counts: counts))
        case let brake as RateLimitBrake.State: return encode(brake)
        case let ids as [String: Int64]: return encode(ids)
        default: return nil
        }
    }
}
