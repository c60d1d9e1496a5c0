import Foundation

/// A FLAC PICTURE metadata block body (FLAC format, section METADATA_BLOCK_PICTURE), as Ogg
/// Vorbis and Opus carry cover art: base64-encoded in a `METADATA_BLOCK_PICTURE` Vorbis comment.
/// ffmpeg's Ogg muxer takes no attached-picture stream, so Spool builds the block itself.
///
/// All integers are 32-bit big-endian:
/// picture type, MIME length, MIME (ASCII), description length, description (UTF-8),
/// width, height, colour depth in bits per pixel, number of palette colours (0 unless indexed),
/// data length, data.
enum FLACPictureBlock {
    /// ID3v2 / FLAC picture type 3, "Cover (front)": the type players show as the album cover.
    static let frontCover: UInt32 = 3

    static func bytes(jpeg: CoverImage, type: UInt32 = frontCover, description: String = "") -> [UInt8] {
        let mime = Array("image/jpeg".utf8)
        let text = Array(description.utf8)
        var block: [UInt8] = []
        block.reserveCapacity(32 + mime.count + text.count + jpeg.data.count)
        func append(_ value: UInt32) {
            block += [UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
        }
        append(type)
        append(UInt32(mime.count)); block += mime
        append(UInt32(text.count)); block += text
        append(UInt32(jpeg.width)); append(UInt32(jpeg.height))
        append(24)   // baseline JPEG from ffmpeg: three 8-bit components
        append(0)
        append(UInt32(jpeg.data.count)); block += jpeg.data
        return block
    }

    /// The value of the `METADATA_BLOCK_PICTURE` comment.
    static func vorbisCommentValue(jpeg: CoverImage) -> String {
        Data(bytes(jpeg: jpeg)).base64EncodedString()
    }
}
