import Foundation
import SpoolProcess

/// Something that delivers a message: the apprise CLI, a webhook.
protocol Notifier: Sendable {
    /// `apprise` or `webhook`: how health, metrics and logs name it.
    var name: String { get }
    /// Where it sends, without secrets (URLs carry tokens): shown in `/api/health`.
    var target: String { get }
    /// Sends `message` within `timeLimit` seconds or throws `NotifierError` saying why.
    /// Blocks the calling thread (a notifier's own).
    func send(_ message: NotificationMessage, timeLimit: Double, cancellation: ProcessCancellation) throws
}

/// Why a message was not delivered, in a sentence for the log and `/api/health`.
struct NotifierError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// The apprise CLI (`pip install apprise`), which speaks to 100+ services (Telegram, Discord,
/// ntfy, Gotify, e-mail, …) from one URL each.
///
/// The URLs reach it in its environment (`APPRISE_URLS`, read by apprise ≥ 0.8.8), not as
/// arguments: they carry tokens and passwords, and a command line is readable by every user
/// of the machine (`ps`, `/proc/<pid>/cmdline`). `APPRISE_CONFIG_PATH` is removed from that
/// environment because apprise prefers a configuration file to `APPRISE_URLS`. The title and
/// body are `--title=`/`--body=` arguments (the `=` form, so a body starting with `-` stays a
/// value). It runs through `SpoolProcess`: no shell, a time limit, its whole process group
/// killed when it passes.
struct AppriseNotifier: Notifier {
    let executable: String
    let urls: String

    var name: String { "apprise" }

    /// The services' schemes: `2 URLs (tgram, json)`.
    var target: String {
        let entries = urls.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).filter { !$0.isEmpty }
        let schemes = entries.compactMap { entry in entry.range(of: "://").map { String(entry[..<$0.lowerBound]) } }
        var unique: [String] = []
        for scheme in schemes where !unique.contains(scheme) { unique.append(scheme) }
        return "\(entries.count) URL\(entries.count == 1 ? "" : "s") (\(unique.joined(separator: ", ")))"
    }

    func send(_ message: NotificationMessage, timeLimit: Double, cancellation: ProcessCancellation) throws {
        var environment = ProcessSpec.currentEnvironment()
        environment["APPRISE_URLS"] = urls
        environment["APPRISE_CONFIG_PATH"] = nil
        environment["APPRISE_CONFIG"] = nil
        let spec = ProcessSpec(
            executablePath: executable,
            arguments: ["-v", "--title=\(message.title)", "--body=\(message.body)", "--notification-type=\(message.level.rawValue)"],
            environment: environment, timeLimit: .milliseconds(Int64(timeLimit * 1000)), killGrace: .seconds(1), tailLineLimit: 20)
        let outcome: ProcessOutcome
        do {
            outcome = try ChildProcess.run(spec, cancellation: cancellation)
        } catch {
            throw NotifierError("apprise could not be started (\(executable)): \(error); install it (pip install apprise) or set APPRISE_PATH")
        }
        switch outcome.reason {
        case .timedOut: throw NotifierError("apprise did not finish within \(Self.seconds(timeLimit)) (NOTIFY_TIMEOUT_SECONDS)")
        case .cancelled: throw NotifierError("apprise was stopped: Spool is shutting down")
        case .finished, .stalled: break
        }
        guard outcome.isSuccess else {
            let said = outcome.tail.map { Self.withoutLogPrefix($0.text) }.filter { !$0.isEmpty }.suffix(3).joined(separator: " ")
            throw NotifierError("apprise failed (\(outcome.termination))\(said.isEmpty ? "" : ": " + said)")
        }
    }

    /// `2026-01-31 04:00:00,123 - WARNING - Failed to send …` → `Failed to send …`.
    static func withoutLogPrefix(_ line: String) -> String {
        let parts = line.components(separatedBy: " - ")
        guard parts.count >= 3, ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"].contains(parts[1]) else {
            return line.trimmingCharacters(in: .whitespaces)
        }
        return parts[2...].joined(separator: " - ").trimmingCharacters(in: .whitespaces)
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}

/// A JSON POST of every message (`NotificationMessage.json()`) to `WEBHOOK_URL`: for Home
/// Assistant, n8n, Node-RED or a script of one's own, over `http://` or verified `https://`
/// (`WEBHOOK_CA_FILE` for a server with a CA of its own; see `HTTPPost`).
struct WebhookNotifier: Notifier {
    let endpoint: HTTPPost.Endpoint
    /// What an `https://` endpoint is checked against; nil for `http://`.
    let tls: TLSClientContext?

    var name: String { "webhook" }
    var target: String { endpoint.displayName }

    /// - Throws: `HTTPPost.Failure` for a URL that is not http(s), or a CA file that cannot be
    ///   read or holds no certificate; `setting` says which of the two settings is wrong.
    init(url: String, caFile: String?) throws(WebhookSettingProblem) {
        do {
            endpoint = try HTTPPost.Endpoint(url: url)
        } catch {
            throw WebhookSettingProblem(setting: "WEBHOOK_URL", message: error.description)
        }
        if let caFile, !endpoint.secure {
            throw WebhookSettingProblem(setting: "WEBHOOK_CA_FILE", message: "('\(caFile)') is set but WEBHOOK_URL is http://; it applies to https:// only")
        }
        do {
            tls = endpoint.secure ? try TLSClientContext(caFile: caFile) : nil
        } catch {
            throw WebhookSettingProblem(setting: caFile == nil ? "WEBHOOK_URL" : "WEBHOOK_CA_FILE", message: error.description)
        }
    }

    func send(_ message: NotificationMessage, timeLimit: Double, cancellation: ProcessCancellation) throws {
        let status: Int
        do {
            status = try HTTPPost.send(try message.json(), to: endpoint, tls: tls, timeLimit: timeLimit)
        } catch let error as HTTPPost.Failure {
            throw NotifierError("\(endpoint.displayName): \(error)")
        }
        guard (200..<300).contains(status) else {
            throw NotifierError("\(endpoint.displayName) answered HTTP \(status)")
        }
    }
}

/// What is wrong with the webhook's settings, and which setting it is.
public struct WebhookSettingProblem: Error, CustomStringConvertible {
    public let setting: String
    public let message: String
    public var description: String { "\(setting) \(message)" }
}
