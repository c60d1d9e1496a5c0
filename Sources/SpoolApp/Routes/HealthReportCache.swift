import Foundation
import SpoolCore
import SpoolHTTP
import Synchronization

/// The last `/api/health` reply, kept while it is still true.
///
/// Building the report reads the database (journal mode, job counts, file sizes) on the work
/// queue; monitors and dashboards poll it constantly. The reply is reused — answered on the
/// loop thread, with no database read — as long as nothing it shows from memory has changed
/// (its `Fingerprint`: domain events, writer counters, live clients, workers, the brake,
/// housekeeping) and it is younger than `maximumAge` (for what changes without an event:
/// uptime, file sizes). Any job transition publishes an event, so counts read right after an
/// action are always exact.
final class HealthReportCache: Sendable {
    /// Everything the report shows that is kept in memory, read cheaply.
    struct Fingerprint: Equatable {
        let lastEventSequence: Int64
        let writerVersion: Int
        let liveClients: Int
        let liveClientsDropped: Int
        let busyWorkers: Int
        let zombiesRecovered: Int
        let brake: DownloadBrake.State
        let housekeepingRunAt: Date?
        let ytdlpUpdating: Bool
        let storageErrors: [String: Int]
        /// Notifier statuses change without an event (a send failing must not publish one).
        let notificationsVersion: Int
    }

    private struct Entry {
        let fingerprint: Fingerprint
        let builtAt: UInt64
        let response: HTTPResponse
    }

    let maximumAge: Double
    private let entry = Mutex<Entry?>(nil)

    init(maximumAge: Double = 1) {
        self.maximumAge = maximumAge
    }

    /// The cached reply when it still describes `fingerprint` and is fresh enough.
    func response(for fingerprint: Fingerprint) -> HTTPResponse? {
        entry.withLock { entry in
            guard let entry, entry.fingerprint == fingerprint,
                  Double(DispatchTime.now().uptimeNanoseconds - entry.builtAt) / 1e9 < maximumAge else { return nil }
            return entry.response
        }
    }

    /// Keeps `response`, built from state described by `fingerprint` (taken before the build,
    /// so a change during the build makes the next request rebuild).
    func store(_ response: HTTPResponse, for fingerprint: Fingerprint) {
        entry.withLock { $0 = Entry(fingerprint: fingerprint, builtAt: DispatchTime.now().uptimeNanoseconds, response: response) }
    }
}
