import Foundation

/// A JPEG image made by ``Artwork``: its bytes and its size in pixels.
public struct CoverImage: Sendable, Hashable {
    /// The JPEG file's bytes. The same source image always gives the same bytes (with the same
    /// ffmpeg build), so a hash of them makes a stable HTTP ETag.
    public var data: Data
    public var width: Int
    public var height: Int

    public init(data: Data, width: Int, height: Int) {
        self.data = data
        self.width = width
        self.height = height
    }

    /// Reads the size from a JPEG's start-of-frame segment; `nil` if `data` is not a JPEG.
    public init?(jpeg data: Data) {
        guard let size = JPEGSize.read([UInt8](data)) else { return nil }
        self.init(data: data, width: size.width, height: size.height)
    }

    public var isSquare: Bool { width == height }
}

/// The pixel size of a JPEG, from its SOFn segment.
enum JPEGSize {
    static func read(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count > 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var position = 2
        while position + 4 <= bytes.count {
            guard bytes[position] == 0xFF else { return nil }
            let marker = bytes[position + 1]
            if marker == 0xFF { position += 1; continue }          // fill byte
            if marker == 0xD8 || (0xD0...0xD7).contains(marker) { position += 2; continue }
            let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
            // SOF0–SOF15 carry the size, except DHT (C4), JPG (C8) and DAC (CC).
            if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                guard position + 9 <= bytes.count else { return nil }
                let height = Int(bytes[position + 5]) << 8 | Int(bytes[position + 6])
                let width = Int(bytes[position + 7]) << 8 | Int(bytes[position + 8])
                return width > 0 && height > 0 ? (width, height) : nil
            }
            if marker == 0xDA || marker == 0xD9 { return nil }       // scan data before any SOF
            position += 2 + length
        }
        return nil
    }
}
