"""The `embedash` command: seed-demo, serve, demo, url, load, cluster."""
from __future__ import annotations

import errno
import json
import os
import secrets
import socket
import sys
from dataclasses import replace
from pathlib import Path

import click
import duckdb

from api.config import Config, ConfigError
from api.logs import configure_logging
from data import Store
from data.store import StoreLocked, connect


def _config(db: str | None, **overrides) -> Config:
    config = Config.from_env(**overrides)
    return replace(config, database=db) if db else config


def _open_store(path: str, *, create: bool = False, locked: str = "") -> Store:
    """The store at `path`, or a click error saying why not (one line, no traceback). Only
    with `create` may the file be new: a mistyped --db must not leave an empty store."""
    where = Path(path)
    if path != ":memory:" and not where.exists():
        if not create:
            raise click.ClickException(f"no store at {path}: check --db or EMBEDASH_DATABASE "
                                       "(`embedash seed-demo` or `embedash serve` creates one)")
        if not where.parent.is_dir():
            raise click.ClickException(f"cannot create a store at {path}: no directory {where.parent}")
    try:
        return Store(path)
    except StoreLocked as exc:
        raise click.ClickException(f"{exc}{locked}") from None
    except duckdb.Error as exc:
        raise click.ClickException(f"cannot open the store at {path}: {str(exc).splitlines()[0]}") from None


class _Commands(click.Group):
    def invoke(self, ctx: click.Context):
        """A bad EMBEDASH_* setting is one line naming it, whichever command read it."""
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=_Commands, help="embedash: embeddable billing dashboards. Settings come from EMBEDASH_* variables.")
def main() -> None:
    pass


@main.command("seed-demo")
@click.option("--db", "db", default=None, help="DuckDB file (default: $EMBEDASH_DATABASE or ./embedash.duckdb)")
@click.option("--customers", default=8, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 730))
@click.option("--events", default=200_000, show_default=True, type=click.IntRange(0))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option("--force", is_flag=True, help="replace an existing file")
def seed_demo_command(db, customers, days, events, seed, force):
    """Write deterministic demo data to a new store."""
    path = db or Config.from_env().database
    seed_store(path, customers=customers, days=days, events=events, seed=seed, force=force)


def seed_store(path: str, *, force: bool = False, **sizes) -> None:
    """Seed a new file beside `path` and move it into place only once complete: stopped or
    failed, seeding leaves the old store (or none), never part of one."""
    from data.demo import seed_demo

    if path == ":memory:":
        store = _open_store(path, create=True)
        _seeded(path, seed_demo(store, **sizes))
        store.close()
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise click.ClickException(f"cannot create a store at {path}: no directory {target.parent}")
    if target.is_dir():
        raise click.ClickException(f"{path} is a directory: give the store's file, e.g. {target / 'demo.duckdb'}")
    if target.exists():
        _refuse_in_use(path, "replace it")
        if not force:
            raise click.ClickException(f"{path} exists; pass --force to replace it")
    draft = target.with_name(f"{target.name}.seeding-{os.getpid()}")
    _remove_store(draft)  # left by a run that was killed
    try:
        store = _open_store(str(draft), create=True)
        try:
            counts = seed_demo(store, **sizes)
            store.cursor().execute("CHECKPOINT")
        finally:
            store.close()
        if target.exists():
            _refuse_in_use(path, "replace it")  # a server may have opened it while we seeded
        _wal(target).unlink(missing_ok=True)  # the old store's log would not match the new file
        os.replace(draft, target)
        if _wal(draft).exists():
            os.replace(_wal(draft), _wal(target))
    except Exception as exc:
        if _interrupted(exc):
            raise click.Abort() from None
        raise
    finally:
        _remove_store(draft)
    _seeded(path, counts)


def _interrupted(exc: BaseException | None) -> bool:
    """Ctrl-C during a DuckDB query surfaces as its error ("Query interrupted"), or as a later
    one about the transaction it aborted."""
    while exc is not None:
        if isinstance(exc, duckdb.InterruptException) or "interrupted" in str(exc).lower():
            return True
        exc = exc.__context__
    return False


def _seeded(path: str, counts: dict[str, int]) -> None:
    click.echo(f"seeded {path}: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove_store(path: Path) -> None:
    path.unlink(missing_ok=True)
    _wal(path).unlink(missing_ok=True)


def _refuse_in_use(path: str, doing: str) -> None:
    """Open the file as the store does, and close it: another process holding it (a server)
    would go on writing to a replaced file, and neither would open again."""
    try:
        connect(path).close()
    except StoreLocked:
        raise click.ClickException(f"{path} is in use by another process (DuckDB allows one writer): "
                                   f"stop the server before you {doing}") from None
    except duckdb.Error:
        pass  # not a store DuckDB can open; nothing holds it


def _serve(config: Config, *, host: str, port: int, threads: int, demo: bool = False, banner=None) -> None:
    from api import create_app
    from api.server import make_server, settle_heap

    config.check()
    configure_logging(config.log_level)
    new = config.database != ":memory:" and not Path(config.database).exists()
    store = _open_store(config.database, create=True)
    app = create_app(config, store=store, demo=demo)
    try:
        server = make_server(app, host=host, port=port, threads=threads)
    except (OSError, ValueError) as exc:  # waitress raises ValueError for a host it cannot resolve
        store.close()
        if new:  # made for this run, which never served it
            _remove_store(Path(config.database))
        raise click.ClickException(_cannot_listen(host, port, exc)) from None
    base = config.public_url or f"http://{host}:{server.effective_port}"
    click.echo(f"embedash serving {config.database} at {base} ({threads} threads)")
    if not config.api_keys:
        click.echo("warning: no EMBEDASH_API_KEYS: the integrator API will refuse every request "
                   "(set a comma list of keys and restart)", err=True)
    if banner:
        banner(app, base)
    settle_heap()
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()


def _check_port_free(host: str, port: int) -> None:
    """Raise the error `serve` would give for a port in use, without listening: each address
    the host resolves to is bound as waitress binds it (SO_REUSEADDR, IPv6 sockets IPv6 only),
    so a port a server has just let go of counts as free. Any other failure (a host that does
    not resolve, a port it may not use) is left for `serve` to report as it does."""
    if port == 0:
        return
    try:
        addresses = socket.getaddrinfo(host.strip("[]") or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM,
                                       socket.IPPROTO_TCP, socket.AI_PASSIVE)
    except OSError:
        return
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise click.ClickException(_cannot_listen(host, port, exc)) from None


def _cannot_listen(host: str, port: int, exc: OSError | ValueError) -> str:
    if isinstance(exc, ValueError):
        return (f"cannot listen on {host} port {port}: {host} is not an address or a name this machine resolves "
                "(e.g. 127.0.0.1, 0.0.0.0, ::1)")
    if exc.errno == errno.EADDRINUSE:
        return (f"port {port} on {host} is in use (another embedash?): choose another with --port "
                f"(make demo PORT={port + 1 if port < 65535 else 8051}), or stop what holds it")
    return f"cannot listen on {host} port {port}: {exc.strerror or exc}"


_serve_options = [
    click.option("--db", "db", default=None, help="DuckDB file (default: $EMBEDASH_DATABASE)"),
    click.option("--host", default="127.0.0.1", show_default=True),
    click.option("--port", default=8050, show_default=True, type=click.IntRange(0, 65535), help="0: any free port"),
    click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256)),
]


def serve_options(f):
    for option in reversed(_serve_options):
        f = option(f)
    return f


@main.command()
@serve_options
def serve(db, host, port, threads):
    """Serve the API and the dashboards with waitress."""
    _serve(_config(db), host=host, port=port, threads=threads)


@main.command()
@serve_options
def demo(db, host, port, threads):
    """Seed a demo store if missing, then serve it with the /demo host page."""
    env_keys = Config.from_env()  # a bad setting stops it before it seeds
    db = db or os.environ.get("EMBEDASH_DATABASE") or "./embedash-demo.duckdb"
    if not Path(db).exists():
        _check_port_free(host, port)  # before seeding, which takes a while, not after it
        click.echo(f"seeding a demo store at {db} (once)...")
        seed_store(db)
    overrides = {}
    if not env_keys.secret_keys:
        overrides["secret_keys"] = [secrets.token_urlsafe(32)]
        click.echo("EMBEDASH_SECRET_KEYS not set: using a random key for this run (links die with the process)")
    if not env_keys.api_keys:
        overrides["api_keys"] = ["demo_" + secrets.token_urlsafe(16)]
    config = _config(db, **overrides)

    def banner(app, base):
        from api.embeds import issue_embed
        from dashboards import DASHBOARDS
        from data.customers import list_customers

        svc = app.extensions["embedash"]
        click.echo(f"\n  API key:    {config.api_keys[0]}")
        customers = list_customers(svc.store)
        if not customers:
            click.echo(f"\n  {db} has no customers, so /demo has nothing to show: add some with POST /v1/customers,\n"
                       f"  or stop this and run `embedash seed-demo --db {db} --force` to replace it with demo data.\n\n"
                       "  Ctrl-C stops.\n")
            return
        first = customers[0]
        click.echo(f"  host page:  {base}/demo   <- open this: the dashboards embedded as a host would")
        for dashboard in DASHBOARDS:
            url, _ = issue_embed(svc, {"customer_id": first.id, "dashboard": dashboard}, base_url=base)
            click.echo(f"  {dashboard} ({first.name}): {url}")
        body = json.dumps({"customer_id": first.id, "dashboard": "usage"})
        click.echo(
            f"\n  try:  curl -s -X POST {base}/v1/dashboards/getEmbeddableUrl \\\n"
            f"          -H 'Authorization: Bearer {config.api_keys[0]}' -H 'Content-Type: application/json' \\\n"
            f"          -d '{body}'\n\n  Ctrl-C stops.\n"
        )

    _serve(config, host=host, port=port, threads=threads, demo=True, banner=banner)


@main.command()
@click.argument("customer_id")
@click.option("--dashboard", default="usage", show_default=True)
@click.option("--color", "colors", multiple=True, metavar="NAME=#HEX", help="colour override (repeatable)")
@click.option("--option", "options", multiple=True, metavar="KEY=VALUE", help="dashboard option (repeatable)")
@click.option("--expires-in", type=int, default=None, help="seconds (default: $EMBEDASH_TOKEN_TTL)")
@click.option("--db", "db", default=None)
@click.option("--server", default=None, metavar="URL",
              help="ask this running server (e.g. http://127.0.0.1:8050), with the first of $EMBEDASH_API_KEYS, "
                   "instead of opening the store it holds")
def url(customer_id, dashboard, colors, options, expires_in, db, server):
    """Print a signed embed URL, validated exactly like the API's."""
    from api import create_app
    from api.embeds import issue_embed
    from api.errors import ApiError

    def pairs(items, what):
        out = []
        for item in items:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint=f"--{what}")
            out.append((name, value))
        return out

    body = {
        "customer_id": customer_id,
        "dashboard": dashboard,
        "color_overrides": [{"name": n, "value": v} for n, v in pairs(colors, "color")],
        "dashboard_options": [{"key": k, "value": v} for k, v in pairs(options, "option")],
    }
    if expires_in is not None:
        body["expires_in"] = expires_in
    config = _config(db)
    if server:
        click.echo(_url_from_server(server, config, body))
        return
    store = _open_store(config.database, locked=", or ask it: embedash url ... --server http://HOST:PORT")
    try:
        app = create_app(config, store=store)
        url_text, _ = issue_embed(app.extensions["embedash"], body, base_url=config.public_url or "http://127.0.0.1:8050")
    except ApiError as exc:
        raise click.ClickException(_error_text(exc.body()["error"])) from None
    click.echo(url_text)


def _error_text(error: dict) -> str:
    allowed = f" (allowed: {', '.join(map(str, error['allowed']))})" if error.get("allowed") else ""
    field = f"{error['field']}: " if error.get("field") else ""
    return f"{field}{error.get('message', 'refused')}{allowed}"


def _url_from_server(server: str, config: Config, body: dict) -> str:
    """getEmbeddableUrl of a running server: the one way to a store it holds (DuckDB allows one
    writer process, and a reader cannot open a file a writer holds either)."""
    import urllib.error
    import urllib.request

    if not config.api_keys:
        raise click.ClickException("EMBEDASH_API_KEYS is not set: --server needs an API key of that server")
    request = urllib.request.Request(
        server.rstrip("/") + "/v1/dashboards/getEmbeddableUrl", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {config.api_keys[0]}", "Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)["data"]["url"]
    except urllib.error.HTTPError as exc:
        try:
            error = json.load(exc)["error"]
            text = _error_text(error)
        except (ValueError, KeyError, TypeError, AttributeError):
            raise click.ClickException(f"{server} answered {exc.code}, not an embedash error") from None
        if exc.code == 401:
            text += " (--server sends the first of EMBEDASH_API_KEYS: set it to one of that server's EMBEDASH_API_KEYS)"
        raise click.ClickException(text) from None
    except (ValueError, KeyError, TypeError):
        raise click.ClickException(f"{server} did not answer like an embedash server") from None
    except (urllib.error.URLError, OSError) as exc:
        raise click.ClickException(f"cannot reach {server}: {getattr(exc, 'reason', exc)}") from None


@main.group()
@click.option("--db", "db", default=None, help="DuckDB file (default: $EMBEDASH_DATABASE)")
@click.pass_context
def load(ctx, db):
    """Bulk-load files into a store (not while a server holds it)."""
    ctx.obj = db or Config.from_env().database


@load.command("events")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--cluster", "then_cluster", is_flag=True, help="rewrite the whole store in customer order afterwards")
@click.pass_obj
def load_events(db, files, then_cluster):
    """Load Parquet, CSV or NDJSON event files, each all or nothing; re-sent events are skipped."""
    from data.bulk import LoadError, load_events_file
    from data.cluster import cluster as run_cluster

    store = _open_store(db)
    done = []
    stopped: list[str] = []  # why the load stopped short, if it did
    interrupted = False
    steps = 1000  # of the bar, a file: DuckDB's progress through it
    try:
        with click.progressbar(length=steps * len(files), label="loading", item_show_func=lambda f: f and Path(f).name,
                               file=sys.stderr) as bar:
            for i, path in enumerate(files):

                def advance(fraction: float, start: int = i * steps, path: str = path) -> None:
                    bar.update(start + round(fraction * steps) - bar.pos, current_item=path)

                advance(0.0)
                done.append(load_events_file(store, path, progress=advance))
        if then_cluster and any(r.inserted for r in done):
            click.echo("clustering...", err=True)
            run_cluster(store)
    except LoadError as exc:
        stopped = _stopped([str(exc)] + [f"  row {p.row}, field {p.field}: {p.message}" for p in exc.problems[1:]], done, files)
    except (KeyboardInterrupt, RuntimeError, duckdb.Error) as exc:  # in a statement, Ctrl-C is DuckDB's "Query interrupted"
        if not (isinstance(exc, KeyboardInterrupt) or _interrupted(exc)):
            raise
        interrupted = True
        stopped = (_stopped([f"interrupted while loading {files[len(done)]}"], done, files) if len(done) < len(files)
                   else ["interrupted while clustering, with every file loaded: `embedash cluster` clusters the store"])
    finally:
        store.close()
    for result in done:
        click.echo(_loaded(result))
    if interrupted:
        click.echo("\n".join(stopped), err=True)
        raise click.Abort()
    if stopped:
        raise click.ClickException("\n".join(stopped))


def _stopped(why: list[str], done: list, files: tuple[str, ...]) -> list[str]:
    """What a load stopped at a file says: that file is not written at all (each is one
    transaction), the files before it are, those after it were not attempted."""
    lines = [*why, "nothing of that file was written"]
    if len(files) > 1:
        lines.append(f"loaded: {', '.join(r.path for r in done) or 'none'}")
        if rest := files[len(done) + 1:]:
            lines.append(f"not attempted: {', '.join(rest)}")
    return lines


def _loaded(result) -> str:
    rows = f"{result.rows:,} row{'' if result.rows == 1 else 's'}"
    return (f"{result.path}: {rows}, {result.inserted:,} new, "
            f"{result.duplicates:,} skipped (already stored or repeated in the file)")


@main.command()
@click.option("--db", "db", default=None)
def cluster(db):
    """Rewrite all events in customer order (merges the runs that loads and API batches left) and
    move properties stored before a metric first read them into their columns."""
    from data.cluster import cluster as run

    store = _open_store(db or Config.from_env().database)
    run(store)
    store.close()
    click.echo("clustered")


if __name__ == "__main__":
    sys.exit(main())
