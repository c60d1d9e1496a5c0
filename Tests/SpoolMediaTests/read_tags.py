"""Reads a media file's tags and cover with mutagen, the library many players and tools use,
and prints them as one JSON object for SpoolMediaTests:

  {"format": "MP4", "id3_version": "2.3" | null,
   "title", "artist", "album", "album_artist", "track", "date", "comment", "video_id", "source_url",
   "pictures": [{"type": 3, "mime": "image/jpeg", "width": 720, "height": 720, "bytes": 12345}]}

Each field is read where that container keeps it, independently of Spool's Swift code: the JPEG
size comes from the picture's own start-of-frame segment, and Ogg pictures are decoded from
their METADATA_BLOCK_PICTURE comment.
"""
import base64
import json
import struct
import sys

try:
    import mutagen
    from mutagen.flac import FLAC, Picture
    from mutagen.id3 import ID3FileType
    from mutagen.mp4 import MP4, MP4Cover
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis
except ImportError:
    sys.exit("mutagen is not installed in %s: run scripts/setup.sh test "
             "(Tests/e2e/requirements.txt lists it)" % sys.executable)


def jpeg_size(data):
    if data[:2] != b"\xff\xd8":
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        position += 2 + length
    return None


def picture(kind, mime, data):
    size = jpeg_size(data)
    return {"type": kind, "mime": mime, "width": size[0] if size else None,
            "height": size[1] if size else None, "bytes": len(data)}


def first(values):
    return str(values[0]) if values else None


def read(path):
    audio = mutagen.File(path)
    if audio is None:
        return {"format": None}
    result = {"format": type(audio).__name__, "id3_version": None, "pictures": []}
    tags = audio.tags
    if isinstance(audio, MP4):
        def text(key):
            return first(tags.get(key, []))

        def freeform(name):
            values = tags.get("----:com.apple.iTunes:" + name, [])
            return bytes(values[0]).decode("utf-8") if values else None
        result.update(title=text("\xa9nam"), artist=text("\xa9ART"), album=text("\xa9alb"),
                      album_artist=text("aART"), date=text("\xa9day"), comment=text("\xa9cmt"),
                      track=str(tags["trkn"][0][0]) if "trkn" in tags else None,
                      video_id=freeform("SPOOL_VIDEO_ID"), source_url=freeform("SPOOL_SOURCE_URL"))
        for cover in tags.get("covr", []):
            mime = "image/jpeg" if cover.imageformat == MP4Cover.FORMAT_JPEG else "image/png"
            result["pictures"].append(picture(3, mime, bytes(cover)))
    elif isinstance(audio, ID3FileType):
        def text(key):
            frame = tags.get(key)
            return str(frame.text[0]) if frame else None
        comments = tags.getall("COMM")
        result.update(title=text("TIT2"), artist=text("TPE1"), album=text("TALB"),
                      album_artist=text("TPE2"), track=text("TRCK"), date=text("TDRC"),
                      comment=str(comments[0].text[0]) if comments else None,
                      video_id=text("TXXX:SPOOL_VIDEO_ID"), source_url=text("TXXX:SPOOL_SOURCE_URL"),
                      id3_version="2.%d" % tags.version[1])
        result["pictures"] = [picture(int(frame.type), frame.mime, frame.data) for frame in tags.getall("APIC")]
    elif isinstance(audio, (FLAC, OggOpus, OggVorbis)):
        def text(key):
            return first(tags.get(key, []))
        result.update(title=text("title"), artist=text("artist"), album=text("album"),
                      album_artist=text("albumartist"), track=text("tracknumber"), date=text("date"),
                      comment=text("description") or text("comment"),
                      video_id=text("spool_video_id"), source_url=text("spool_source_url"))
        if isinstance(audio, FLAC):
            pictures = audio.pictures
        else:
            pictures = [Picture(base64.b64decode(value)) for value in tags.get("metadata_block_picture", [])]
        result["pictures"] = [picture(int(p.type), p.mime, p.data) for p in pictures]
    return result


if __name__ == "__main__":
    print(json.dumps(read(sys.argv[1])))
