"""Run the test identity provider: ``python -m tests.oidc_provider.serve DIR``. It binds a
free port, migrates its own SQLite database in DIR, creates the users and client
applications listed in DIR/setup.json, prints "ready <port>" and serves until killed."""

import json
import os
import sys
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    folder = Path(sys.argv[1])
    server = make_server("127.0.0.1", 0, None, WSGIServer, Quiet)  # the app comes below
    port = server.server_port
    os.environ["IDP_PORT"] = str(port)
    os.environ["IDP_DATABASE"] = str(folder / "idp.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
    if os.environ.get("IDP_NOW"):  # the same clock as the Koers under test
        import datetime as dt

        import time_machine

        time_machine.travel(dt.datetime.fromisoformat(os.environ["IDP_NOW"]), tick=True).start()
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    setup = json.loads((folder / "setup.json").read_text())
    for user in setup["users"]:
        User.objects.create_user(user["username"], email=user["email"], password="x")
    for app in setup["applications"]:
        Application.objects.create(
            name=app["client_id"],
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=app["redirect_uri"],
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
    server.set_app(get_wsgi_application())
    print(f"ready {port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
