#!/usr/bin/env python3
"""An ordinary WebDAV client for the end-to-end tests: webdavclient3
(PyPI `webdavclient3`) driving the server's /dav/ tree.

    webdav.py URL USER PASSWORD ACTION ARGS...

ACTION is one of `list REMOTE`, `mkdir REMOTE`, `upload LOCAL REMOTE`,
`download REMOTE LOCAL`, `delete REMOTE`, `move FROM TO` (a rename, or a
move into another folder). Prints one JSON object:
`{"ok": true, "names": [...]}` or `{"ok": false, "status": 403,
"error": "..."}`. Exits 3 when webdavclient3 is not installed.
"""
import json
import sys
from urllib.parse import urlsplit

try:
    from webdav3.client import Client
    from webdav3 import exceptions
except ImportError as missing:
    print(json.dumps({"missing": str(missing)}))
    sys.exit(3)


def status_of(error):
    """The HTTP status a webdavclient3 exception stands for."""
    if isinstance(error, exceptions.ResponseErrorCode):
        return error.code
    if isinstance(error, exceptions.RemoteResourceNotFound):
        return 404
    if isinstance(error, exceptions.NotEnoughSpace):
        return 507
    if isinstance(error, exceptions.MethodNotSupported):
        return 405
    return None


def main():
    url, user, password, action, *args = sys.argv[1:]
    parts = urlsplit(url)
    client = Client(
        {
            "webdav_hostname": f"{parts.scheme}://{parts.netloc}",
            "webdav_root": parts.path or "/",
            "webdav_login": user,
            "webdav_password": password,
            "webdav_timeout": 120,
        }
    )
    try:
        names = None
        if action == "list":
            names = [n.rstrip("/") for n in client.list(args[0])]
        elif action == "mkdir":
            client.mkdir(args[0])
        elif action == "upload":
            client.upload_sync(remote_path=args[1], local_path=args[0])
        elif action == "download":
            client.download_sync(remote_path=args[0], local_path=args[1])
        elif action == "delete":
            client.clean(args[0])
        elif action == "move":
            client.move(remote_path_from=args[0], remote_path_to=args[1])
        else:
            raise SystemExit(f"unknown action {action}")
    except exceptions.WebDavException as error:
        print(json.dumps({"ok": False, "status": status_of(error), "error": str(error)}))
        return
    print(json.dumps({"ok": True, "names": names}))


if __name__ == "__main__":
    main()
