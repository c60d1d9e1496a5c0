import Foundation
import Logging
import SpoolJobs
import SpoolStore

/// What every API module and service shares: settings, the one database, the event hub and
/// the job queue.
struct AppContext: Sendable {
    let settings: Settings
    let database: SpoolDatabase
    let hub: EventHub
    let queue: JobQueue
    let workers: WorkerPool
    let housekeeper: Housekeeper
    let startedAt: Date
    let logger: Logger
}
