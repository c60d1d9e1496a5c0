import Foundation
import Logging
import SpoolStore

/// What every API module and service shares: settings, the one database, the event hub.
struct AppContext: Sendable {
    let settings: Settings
    let database: SpoolDatabase
    let hub: EventHub
    let startedAt: Date
    let logger: Logger
}
