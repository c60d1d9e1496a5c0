import Foundation

/// Dates and durations as RSS 2.0 and the iTunes namespace write them.
public enum FeedDates {
    /// RFC 822 (with RFC 1123's four-digit year, as RSS 2.0 requires): `Wed, 02 Oct 2002
    /// 13:00:00 +0000`. English names whatever the server's locale, in UTC.
    public static func rfc822(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(secondsFromGMT: 0)
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        return formatter.string(from: date)
    }

    /// `itunes:duration` as `HH:MM:SS` (hours not capped at 24), which Apple Podcasts,
    /// podcastparser and feedparser all read; the seconds are rounded to the nearest whole one.
    public static func itunesDuration(seconds: Double) -> String {
        let total = seconds.isFinite && seconds > 0 ? Int(seconds.rounded()) : 0
        let hours = total / 3600, minutes = total % 3600 / 60, rest = total % 60
        return (hours < 10 ? "0" : "") + String(hours) + ":" + twoDigits(minutes) + ":" + twoDigits(rest)
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0" + String(value) : String(value)
    }
}
