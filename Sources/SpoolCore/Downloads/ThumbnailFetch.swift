import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The listing's thumbnail, for downloads yt-dlp saved none for (a feed's entry downloaded by
/// its media URL loses the `itunes:image` of the feed): fetched into the partial folder as
/// `<stem>.jpg|png|webp`, where the tagger and the library pick up yt-dlp's own.
enum ThumbnailFetch {
    /// Thumbnails are small; anything larger is not one.
    static let maximumBytes = 5 << 20

    static func fetchIfMissing(_ url: String?, beside media: String, in partial: String) {
        let stem = URL(fileURLWithPath: media).deletingPathExtension().lastPathComponent
        let existing = ["jpg", "jpeg", "png", "webp"].contains { FileManager.default.fileExists(atPath: partial + "/" + stem + "." + $0) }
        guard !existing, let url, let address = URL(string: url), ["http", "https"].contains(address.scheme?.lowercased() ?? "") else { return }
        var request = URLRequest(url: address, timeoutInterval: 15)
        request.httpMethod = "GET"
        let done = DispatchSemaphore(value: 0)
        let result = Box()
        let task = URLSession.shared.dataTask(with: request) { data, response, _ in
            if let data, data.count <= maximumBytes, (response as? HTTPURLResponse)?.statusCode == 200 {
                result.set(data, type: (response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type"))
            }
            done.signal()
        }
        task.resume()
        if done.wait(timeout: .now() + 20) == .timedOut { task.cancel() }
        guard let (data, type) = result.value else { return }
        let ext = type?.contains("png") == true ? "png" : type?.contains("webp") == true ? "webp" : "jpg"
        _ = FileManager.default.createFile(atPath: partial + "/" + stem + "." + ext, contents: data)
    }

    private final class Box: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: (Data, String?)?
        func set(_ data: Data, type: String?) { lock.withLock { stored = (data, type) } }
        var value: (Data, String?)? { lock.withLock { stored } }
    }
}
