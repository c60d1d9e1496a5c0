import SpoolMedia
import XCTest

/// The "Artist - Title" rule (ArtistTitleSplit's documentation states it).
final class ArtistTitleSplitTests: XCTestCase {
    private func assertSplit(_ title: String, _ artist: String, _ rest: String, uploader: String? = nil,
                             file: StaticString = #filePath, line: UInt = #line) {
        let split = ArtistTitleSplit.split(title, uploader: uploader)
        XCTAssertEqual(split?.artist, artist, "artist of \(title)", file: file, line: line)
        XCTAssertEqual(split?.title, rest, "title of \(title)", file: file, line: line)
    }

    private func assertNoSplit(_ title: String, uploader: String? = nil, file: StaticString = #filePath, line: UInt = #line) {
        let split = ArtistTitleSplit.split(title, uploader: uploader)
        XCTAssertNil(split.map { "\($0.artist) | \($0.title)" }, "\(title) must stay whole", file: file, line: line)
    }

    func testEveryDashVariantSeparates() {
        assertSplit("Artist - Title", "Artist", "Title")
        assertSplit("Artist – Title", "Artist", "Title")            // en dash
        assertSplit("Artist — Title", "Artist", "Title")            // em dash
        assertSplit("Artist ― Title", "Artist", "Title")            // horizontal bar
        assertSplit("Artist − Title", "Artist", "Title")            // minus sign
        assertSplit("Artist\u{00A0}-\u{00A0}Title", "Artist", "Title")  // no-break spaces
        assertSplit("  Artist   -   Title  ", "Artist", "Title")
    }

    func testDashInsideAWordDoesNotSeparate() {
        assertNoSplit("Jay-Z Live")
        assertNoSplit("Blink-182")
        assertNoSplit("Artist -Title")
        assertNoSplit("Artist- Title")
        assertSplit("Jay-Z - Empire State of Mind", "Jay-Z", "Empire State of Mind")
        assertSplit("AC/DC - T.N.T.", "AC/DC", "T.N.T.")
    }

    func testOnlyTheFirstSeparatorCounts() {
        assertSplit("Artist - Title - Live", "Artist", "Title - Live")
        assertSplit("Artist - Title – Remastered 2011", "Artist", "Title – Remastered 2011")
    }

    func testDashInsideBracketsDoesNotSeparate() {
        assertNoSplit("Song (Other Artist - Remix)")
        assertSplit("Song (A - B) - Real Title", "Song (A - B)", "Real Title")
    }

    func testGenericOrNumberedLeftPartsAreNotArtists() {
        assertNoSplit("Live - 2024")
        assertNoSplit("Live - Wembley Stadium")
        assertNoSplit("Official - Teaser")
        assertNoSplit("Full Album - Greatest Hits")
        assertNoSplit("01 - Intro")
        assertNoSplit("2024 - Year in Review")
        assertNoSplit("#3 - Third")
        assertNoSplit("Episode 12 - The Return")
        assertNoSplit("Ep. 4 - Pilot")
        assertNoSplit("Part 2 - The End")
        assertNoSplit("Vol. III - Deep Cuts")
        assertSplit("Episode Twelve - Song", "Episode Twelve", "Song", uploader: nil)   // not a numbered part
    }

    func testVersionQualifiersOnTheRightAreNotTitles() {
        assertNoSplit("Song - 2024")
        assertNoSplit("Song - Live")
        assertNoSplit("Song - Live at Wembley")
        assertNoSplit("Song - Live in Paris 1999")
        assertNoSplit("Song - Live 2019")
        assertNoSplit("Song - Remastered")
        assertNoSplit("Song - Remastered 2011")
        assertNoSplit("Song - 2011 Remaster")
        assertNoSplit("Song - 2009 Remastered Version")
        assertNoSplit("Song - Radio Edit")
        assertNoSplit("Song - Acoustic Version")
        assertNoSplit("Song - Official Video")
        assertNoSplit("Song - Lyrics")
    }

    func testTitlesThatOnlyStartLikeAVersionAreStillSplit() {
        assertSplit("Oasis - Live Forever", "Oasis", "Live Forever")
        assertSplit("Artist - Remedy", "Artist", "Remedy")
        assertSplit("Artist - Livewire", "Artist", "Livewire")
    }

    func testTheUploaderNameOverridesTheVersionRule() {
        assertSplit("Queen - Live at Wembley", "Queen", "Live at Wembley", uploader: "Queen Official")
        assertSplit("Taylor Swift - 1989", "Taylor Swift", "1989", uploader: "TaylorSwiftVEVO")
        assertSplit("Artist - Live", "Artist", "Live", uploader: "Artist - Topic")
        assertNoSplit("Queen - Live at Wembley", uploader: "Someone Else")
    }

    func testQuotedTitleLosesItsQuotes() {
        assertSplit("Artist - \"Title\"", "Artist", "Title")
        assertSplit("Artist - “Title”", "Artist", "Title")
        assertSplit("Artist - 'Til Tuesday's", "Artist", "'Til Tuesday's")
    }

    func testEmptySidesDoNotSplit() {
        assertNoSplit(" - Title")
        assertNoSplit("Artist - ")
        assertNoSplit("-")
        assertNoSplit("")
        assertNoSplit("No separator at all")
    }
}
