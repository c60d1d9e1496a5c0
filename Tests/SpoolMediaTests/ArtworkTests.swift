import Foundation
import SpoolMedia
import XCTest

/// Cover and list variants from thumbnails and embedded covers: JPEG, square, sized, and the
/// same bytes every time (the ETag is a hash of them).
final class ArtworkTests: MediaTestCase {
    func testThumbnailsInEveryFormatYtDlpWritesBecomeSquareJPEGs() throws {
        for format in ["jpg", "png", "webp"] {
            let thumbnail = try make.image(width: 640, height: 360, format: format)
            let cover = try Artwork(tools: tools).image(fromFile: thumbnail, variant: .cover)
            XCTAssertEqual([cover.width, cover.height], [360, 360], format)
            XCTAssertEqual(Array(cover.data.prefix(3)), [0xFF, 0xD8, 0xFF], "\(format): a JPEG")
            let list = try Artwork(tools: tools).image(fromFile: thumbnail, variant: .list)
            XCTAssertEqual([list.width, list.height], [Artwork.listSide, Artwork.listSide], format)
            XCTAssertLessThan(list.data.count, 8_000, "\(format): light enough for a list")
        }
    }

    func testTheSameInputGivesTheSameBytes() throws {
        let thumbnail = try make.image(width: 1280, height: 720, format: "webp")
        for variant in Artwork.Variant.allCases {
            let first = try Artwork(tools: tools).image(fromFile: thumbnail, variant: variant)
            let second = try Artwork(tools: tools).image(fromFile: thumbnail, variant: variant)
            XCTAssertEqual(first.data, second.data, "\(variant)")
        }
        let other = try make.image(width: 1280, height: 720, format: "png", name: "other")
        XCTAssertNotEqual(try Artwork(tools: tools).image(fromFile: thumbnail, variant: .list).data,
                          try Artwork(tools: tools).image(fromFile: other, variant: .list).data,
                          "premise: a different picture gives different bytes")
    }

    func testTheCoverIsLimitedTo1200PixelsAndNeverEnlarged() throws {
        let large = try Artwork(tools: tools).image(fromFile: try make.image(width: 2400, height: 1600, name: "large"), variant: .cover)
        XCTAssertEqual([large.width, large.height], [1200, 1200])
        let small = try Artwork(tools: tools).image(fromFile: try make.image(width: 100, height: 80, name: "small"), variant: .cover)
        XCTAssertEqual([small.width, small.height], [80, 80])
        let listFromSmall = try Artwork(tools: tools).image(fromFile: folder + "/small.jpg", variant: .list)
        XCTAssertEqual([listFromSmall.width, listFromSmall.height], [96, 96], "the list variant always has its size")
    }

    func testTheVideoCoverKeepsTheThumbnailsShape() throws {
        let wide = try Artwork(tools: tools).image(fromFile: try make.image(width: 1920, height: 1080, name: "wide"), variant: .videoCover)
        XCTAssertEqual([wide.width, wide.height], [1280, 720])
    }

    func testTheCroppedSquareIsTheCentre() throws {
        // Left third red, middle third green, right third blue: the square is the green part.
        let striped = folder + "/stripes.png"
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-y",
                                   "-f", "lavfi", "-i", "color=red:size=300x300", "-f", "lavfi", "-i", "color=lime:size=300x300",
                                   "-f", "lavfi", "-i", "color=blue:size=300x300",
                                   "-filter_complex", "[0][1][2]hstack=inputs=3", "-frames:v", "1", striped])
        let cover = try Artwork(tools: tools).image(fromFile: striped, variant: .cover)
        XCTAssertEqual([cover.width, cover.height], [300, 300])
        let path = folder + "/cover.jpg"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: cover.data))
        // The average colour of the cover, as one RGB pixel.
        let pixel = folder + "/pixel.rgb"
        try runTool(tools.ffmpegPath, ["-nostdin", "-v", "error", "-i", path, "-vf", "scale=1:1:flags=area",
                                   "-f", "rawvideo", "-pix_fmt", "rgb24", pixel])
        let rgb = [UInt8](try XCTUnwrap(FileManager.default.contents(atPath: pixel)))
        XCTAssertEqual(rgb.count, 3)
        guard rgb.count == 3 else { return }
        XCTAssertLessThan(rgb[0], 40, "no red from the left")
        XCTAssertGreaterThan(rgb[1], 200, "green from the centre")
        XCTAssertLessThan(rgb[2], 40, "no blue from the right")
    }

    func testTheEmbeddedCoverOfEveryAudioCodecCanBeServed() throws {
        let thumbnail = try make.image(width: 500, height: 500, format: "jpg")
        let tags = TrackTags(title: "Song")
        for codec in AudioCodec.allCases {
            let file = try make.audio(codec)
            XCTAssertNil(try Artwork(tools: tools).image(embeddedIn: file, variant: .list), "\(codec): none yet")
            _ = try MediaTagger(tools: tools).tag(file, with: tags, coverImage: thumbnail)
            let list = try XCTUnwrap(try Artwork(tools: tools).image(embeddedIn: file, variant: .list), "\(codec)")
            XCTAssertEqual([list.width, list.height], [96, 96], "\(codec)")
            let cover = try XCTUnwrap(try Artwork(tools: tools).image(embeddedIn: file, variant: .cover), "\(codec)")
            XCTAssertEqual([cover.width, cover.height], [500, 500], "\(codec)")
        }
    }

    func testSomethingThatIsNotAPictureIsRefusedWithAReason() throws {
        let path = folder + "/thumbnail.jpg"
        try "<html>not found</html>".write(toFile: path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try Artwork(tools: tools).image(fromFile: path, variant: .cover)) { error in
            guard case ArtworkError.unreadableImage(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertFalse(reason.isEmpty)
        }
    }

    func testCoverImageReadsTheSizeOfAJPEGAndRefusesOtherBytes() throws {
        let png = try make.image(width: 64, height: 32, format: "png")
        XCTAssertNil(CoverImage(jpeg: try XCTUnwrap(FileManager.default.contents(atPath: png))))
        let jpeg = try make.image(width: 64, height: 32, format: "jpg")
        let image = try XCTUnwrap(CoverImage(jpeg: try XCTUnwrap(FileManager.default.contents(atPath: jpeg))))
        XCTAssertEqual([image.width, image.height], [64, 32])
        XCTAssertFalse(image.isSquare)
    }
}
