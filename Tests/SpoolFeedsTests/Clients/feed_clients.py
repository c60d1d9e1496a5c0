"""Reads feeds rendered by SpoolFeeds with the parsers podcast apps use.

Usage: feed_clients.py FEED_PATH FEED_URL OPML_PATH REPORT_PATH

Writes what podcastparser (gPodder's parser) and feedparser made of the feed, and what
xml.etree made of the OPML document, as JSON.
"""
import calendar
import json
import sys
import xml.etree.ElementTree as ET

import feedparser
import podcastparser


def main():
    feed_path, feed_url, opml_path, report_path = sys.argv[1:5]
    raw = open(feed_path, "rb").read()
    ET.fromstring(raw)  # strict XML 1.0: raises on anything a strict podcast app would refuse

    with open(feed_path, "rb") as stream:
        podcast = podcastparser.parse(feed_url, stream)

    parsed = feedparser.parse(raw)
    feed = parsed.feed
    entries = []
    for entry in parsed.entries:
        entries.append({
            "id": entry.get("id"),
            "guidislink": entry.get("guidislink"),
            "title": entry.get("title"),
            "summary": entry.get("summary"),
            "published": calendar.timegm(entry.published_parsed) if entry.get("published_parsed") else None,
            "enclosures": [{"href": e.get("href"), "length": e.get("length"), "type": e.get("type")}
                           for e in entry.get("enclosures", [])],
            "duration": entry.get("itunes_duration"),
            "image": (entry.get("image") or {}).get("href"),
            "link": entry.get("link"),
        })
    feedparser_report = {
        "bozo": bool(parsed.bozo),
        "bozoException": str(parsed.get("bozo_exception")) if parsed.bozo else None,
        "version": parsed.version,
        "title": feed.get("title"),
        "link": feed.get("link"),
        "subtitle": feed.get("subtitle"),
        "language": feed.get("language"),
        "author": feed.get("author"),
        "image": (feed.get("image") or {}).get("href"),
        "explicit": feed.get("itunes_explicit"),
        "links": [{"rel": l.get("rel"), "href": l.get("href")} for l in feed.get("links", [])],
        "entries": entries,
    }

    opml = ET.parse(opml_path).getroot()
    outlines = [dict(o.attrib) for o in opml.iter("outline")]
    report = {
        "podcastparser": podcast,
        "feedparser": feedparser_report,
        "opml": {"version": opml.get("version"), "title": opml.findtext("head/title"),
                 "dateCreated": opml.findtext("head/dateCreated"), "outlines": outlines},
    }
    with open(report_path, "w") as out:
        json.dump(report, out, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
