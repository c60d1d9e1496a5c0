"""Reads Subsonic responses rendered by SpoolSubsonic with parsers no one here wrote.

Usage: subsonic_clients.py FIXTURE_DIR REPORT_PATH

FIXTURE_DIR/manifest.json lists cases, each rendered as XML and JSON:
  {"cases": {"<name>": {"xml": "<file>", "json": "<file>", "xmlType": "...", "jsonType": "..."}},
   "routes": {"<method>" or "<method>:<id or username>": "<case name>"}}

The report (JSON) holds, per case, what Python's xml.etree and json made of both forms and
whether they carry the same data; then what py-opensonic (libopensonic) returned when it
talked to a loopback HTTP server answering each method with the rendered JSON; and every
request libopensonic sent, so the Swift side can parse the real client's requests too.
"""
import json
import sys
import threading
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

NAMESPACE = "{http://subsonic.org/restapi}"


def xml_generic(element):
    """An element as a dict: attributes as strings, children as lists by tag; an element with
    only text (a value-list item such as <folder>1</folder>) becomes its text."""
    children = list(element)
    if not element.attrib and not children and element.text is not None:
        return element.text
    result = dict(element.attrib)
    for child in children:
        tag = child.tag
        assert tag.startswith(NAMESPACE), f"element {tag} is outside the Subsonic namespace"
        result.setdefault(tag[len(NAMESPACE):], []).append(xml_generic(child))
    return result


def xml_representable(text):
    """The text without the characters XML 1.0 cannot carry (SpoolSubsonic drops them there)."""
    return "".join(c for c in text if c in "\t\n\r" or (" " <= c <= "\ud7ff") or ("\ue000" <= c <= "\ufffd")
                   or c >= "\U00010000")


def scalar_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    return xml_representable(str(value))


def json_generic(value):
    """The same shape from the JSON form: objects become one-item lists, empty arrays vanish
    (XML cannot show them), scalars become the text XML would carry."""
    result = {}
    for key, item in value.items():
        if isinstance(item, dict):
            result[key] = [json_generic(item)]
        elif isinstance(item, list):
            if item:
                result[key] = [json_generic(x) if isinstance(x, dict) else scalar_text(x) for x in item]
        else:
            result[key] = scalar_text(item)
    return result


def parse_forms(fixtures, manifest):
    report = {}
    for name, case in manifest["cases"].items():
        xml_bytes = (fixtures / case["xml"]).read_bytes()
        root = ET.fromstring(xml_bytes)
        assert root.tag == NAMESPACE + "subsonic-response", root.tag
        xml_form = xml_generic(root)
        document = json.loads((fixtures / case["json"]).read_bytes())
        assert list(document) == ["subsonic-response"], list(document)
        json_form = json_generic(document["subsonic-response"])
        report[name] = {
            "xmlRoot": dict(root.attrib),
            "xml": xml_form,
            "json": document["subsonic-response"],
            "sameData": xml_form == json_form,
            "difference": None if xml_form == json_form else {"xml": xml_form, "json": json_form},
        }
    return report


def run_libopensonic(fixtures, manifest):
    import libopensonic
    from libopensonic import errors

    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.answer(b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            self.answer(self.rfile.read(length))

        def answer(self, body):
            parts = urlsplit(self.path)
            content_type = self.headers.get("Content-Type")
            requests.append({"method": self.command, "path": parts.path, "query": parts.query,
                             "contentType": content_type, "body": body.decode("latin-1")})
            values = dict(parse_qsl(parts.query, keep_blank_values=True))
            if content_type and content_type.startswith("application/x-www-form-urlencoded"):
                values.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            method = parts.path.rsplit("/", 1)[-1].removesuffix(".view")
            subject = values.get("id") or values.get("username")
            for key in (f"{method}:{subject}", method):
                if key in manifest["routes"]:
                    case = manifest["cases"][manifest["routes"][key]]
                    payload = (fixtures / case["json"]).read_bytes()
                    self.send_response(200)
                    self.send_header("Content-Type", case["jsonType"])
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
            self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    results, failures = {}, {}

    def call(name, function):
        try:
            value = function()
            results[name] = value.to_dict() if hasattr(value, "to_dict") else (
                [item.to_dict() for item in value] if isinstance(value, list) else value)
        except Exception as error:  # reported, and asserted on by the Swift test
            failures[name] = f"{type(error).__name__}: {error}"

    connection = libopensonic.Connection("http://127.0.0.1", "ann", "sesame", port=port, app_name="py-opensonic-test")
    call("ping", connection.ping)
    call("getLicense", lambda: connection.get_license()["license"])
    call("getArtists", connection.get_artists)
    call("getIndexes", connection.get_indexes)
    call("getArtist", lambda: connection.get_artist("ar-1"))
    call("getAlbum", lambda: connection.get_album("al-1"))
    call("getSong", lambda: connection.get_song("tr-1"))
    call("getAlbumList2", lambda: connection.get_album_list2("newest", size=2))
    call("getRandomSongs", lambda: connection.get_random_songs(size=2))
    call("search3", lambda: connection.search3("dragons"))
    call("getStarred2", connection.get_starred2)
    call("getPlaylists", connection.get_playlists)
    call("getPlaylist", lambda: connection.get_playlist("pl-likes"))
    call("getBookmarks", connection.get_bookmarks)
    call("getPlayQueue", connection.get_play_queue)
    call("getUser", lambda: connection.get_user("ann"))
    call("getOpenSubsonicExtensions", connection.get_open_subsonic_extensions)
    call("star", lambda: connection.star(sids=["tr-1", "tr-2"], album_ids=["al-1"]))
    call("unstar", lambda: connection.unstar(sids=["tr-2"]))
    call("setRating", lambda: connection.set_rating("tr-1", 4))
    call("scrobble", lambda: connection.scrobble("tr-1", listen_time=1700000000))
    call("createBookmark", lambda: connection.create_bookmark("tr-1", 129000, "chorus & verse"))
    call("deleteBookmark", lambda: connection.delete_bookmark("tr-1"))
    call("savePlayQueue", lambda: connection.save_play_queue(["tr-1", "tr-2", "tr-3"], current="tr-2", position=1500))
    call("createPlaylist", lambda: connection.create_playlist(name="Road trip 🚗", song_ids=["tr-1", "tr-2", "tr-1"]))
    call("updatePlaylist", lambda: connection.update_playlist("pl-7", name="New", song_ids_to_add=["tr-3"], song_indices_to_remove=[0, 2]))
    call("deletePlaylist", lambda: connection.delete_playlist("pl-7"))
    call("getSongMissing", lambda: connection.get_song("missing"))
    call("getUserWrongCredentials", lambda: connection.get_user("mallory"))

    legacy = libopensonic.Connection("http://127.0.0.1", "ann", "sesame", port=port, legacy_auth=True, use_get=True)
    call("pingLegacyGet", legacy.ping)
    keyed = libopensonic.Connection("http://127.0.0.1", api_key="k3y-Ω", port=port)
    call("tokenInfo", keyed.token_info)
    for each in (connection, legacy, keyed):
        each.cleanup()
    server.shutdown()
    return {"results": results, "failures": failures, "requests": requests,
            "errorClasses": {"70": errors.DataNotFoundError.__name__, "40": errors.CredentialError.__name__}}


def main():
    fixtures, report_path = Path(sys.argv[1]), Path(sys.argv[2])
    manifest = json.loads((fixtures / "manifest.json").read_text())
    report = {"forms": parse_forms(fixtures, manifest), "libopensonic": run_libopensonic(fixtures, manifest)}
    report_path.write_text(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
