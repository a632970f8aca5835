"""A throwaway PostgreSQL server for tests and bench scripts.

Usage::

    server = PostgresServer()
    url = server.start()          # postgresql+psycopg://sfbot@127.0.0.1:PORT/sfbot
    other = server.create_database("case_1")
    ...
    server.stop()                 # also registered with atexit

or as a context manager (``with PostgresServer() as server: ...``).

The server lives in a fresh temporary directory, listens on 127.0.0.1 on a free port
(plus a unix socket inside that directory), trusts the ``sfbot`` role (a superuser, so it
may create and drop databases) and runs with fsync off: it is only for tests.

``initdb`` refuses to run as root, so when the current user is root every PostgreSQL
command is run as an unprivileged user (``postgres`` by default, ``SFBOT_PG_USER`` to
override, ``nobody`` as a fallback) through ``setpriv``/``runuser``/``su``.

Binaries are looked up on PATH (``initdb``) and in ``/usr/lib/postgresql/*/bin`` (highest
version first). Set ``SFBOT_PG_BINDIR`` to force a directory. If none is found,
`start()` raises `PostgresNotAvailable`.
"""

from __future__ import annotations

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from psycopg import sql

__all__ = ["PostgresNotAvailable", "PostgresServer", "find_pg_bindir"]

_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_REQUIRED_BINARIES = ("initdb", "pg_ctl")


class PostgresNotAvailable(RuntimeError):
    """No PostgreSQL server binaries (initdb, pg_ctl) were found on this machine."""


def _is_bindir(path: Path) -> bool:
    return all(os.access(path / name, os.X_OK) for name in _REQUIRED_BINARIES)


def _version_key(path: Path) -> tuple[int, ...]:
    # /usr/lib/postgresql/<version>/bin -> numeric version, e.g. (15,) or (9, 6)
    parts = re.findall(r"\d+", path.parent.name)
    return tuple(int(p) for p in parts) or (0,)


def find_pg_bindir() -> Path | None:
    """Return the directory holding initdb and pg_ctl, or None if there is none."""
    forced = os.environ.get("SFBOT_PG_BINDIR")
    if forced:
        path = Path(forced)
        return path if _is_bindir(path) else None
    on_path = shutil.which("initdb")
    if on_path:
        # Resolve symlinks such as /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb
        real = Path(os.path.realpath(on_path)).parent
        if _is_bindir(real):
            return real
    candidates = [Path(p) for p in glob.glob("/usr/lib/postgresql/*/bin")]
    for path in sorted(candidates, key=_version_key, reverse=True):
        if _is_bindir(path):
            return path
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _traversable_by(path: Path, uid: int, gid: int) -> bool:
    """Whether every component of `path` can be entered by uid/gid (ignores ACLs)."""
    for part in [path, *path.parents]:
        st = part.stat()
        if st.st_uid == uid:
            bit = stat.S_IXUSR
        elif st.st_gid == gid:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not st.st_mode & bit:
            return False
    return True


class PostgresServer:
    """A private PostgreSQL cluster in a temp dir; see the module docstring."""

    def __init__(
        self,
        *,
        user: str = "sfbot",
        dbname: str = "sfbot",
        bindir: str | os.PathLike[str] | None = None,
        start_timeout: int = 60,
    ) -> None:
        if not _NAME_RE.match(user) or not _NAME_RE.match(dbname):
            raise ValueError("user and dbname must be plain identifiers")
        self.user = user
        self.dbname = dbname
        self._bindir = Path(bindir) if bindir is not None else None
        self.start_timeout = start_timeout
        self.host = "127.0.0.1"
        self.port: int | None = None
        self.base_dir: Path | None = None
        self._run_as: pwd.struct_passwd | None = None
        self._atexit_registered = False

    # ------------------------------------------------------------------ paths

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            found = find_pg_bindir()
            if found is None:
                raise PostgresNotAvailable(
                    "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in "
                    "/usr/lib/postgresql/*/bin; install PostgreSQL (Debian: apt-get install "
                    "postgresql) or set SFBOT_PG_BINDIR"
                )
            self._bindir = found
        return self._bindir

    @property
    def data_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "sock"

    @property
    def log_file(self) -> Path:
        assert self.base_dir is not None, "server not started"
        return self.base_dir / "postgres.log"

    @property
    def running(self) -> bool:
        return self.port is not None

    @property
    def url(self) -> str:
        return self.url_for(self.dbname)

    def url_for(self, dbname: str) -> str:
        if self.port is None:
            raise RuntimeError("PostgreSQL test server is not running")
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{dbname}"

    # --------------------------------------------------------------- commands

    def _pick_run_as(self) -> pwd.struct_passwd | None:
        if os.geteuid() != 0:
            return None
        names = [os.environ.get("SFBOT_PG_USER") or "postgres", "nobody"]
        for name in names:
            try:
                entry = pwd.getpwnam(name)
            except KeyError:
                continue
            if entry.pw_uid != 0:
                return entry
        raise PostgresNotAvailable(
            "running as root, and no unprivileged user (postgres, nobody) exists to run "
            "PostgreSQL as; set SFBOT_PG_USER"
        )

    def _command(self, argv: list[str]) -> list[str]:
        if self._run_as is None:
            return argv
        name = self._run_as.pw_name
        if shutil.which("setpriv"):
            return ["setpriv", f"--reuid={name}", f"--regid={name}", "--init-groups", *argv]
        if shutil.which("runuser"):
            return ["runuser", "-u", name, "--", *argv]
        import shlex

        return ["su", "-s", "/bin/sh", name, "-c", shlex.join(argv)]

    @staticmethod
    def _env() -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env["LC_ALL"] = "C"
        env["LANG"] = "C"
        return env

    def _run(self, argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(
            self._command(argv),
            env=self._env(),
            cwd=self.base_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        if check and proc.returncode != 0:
            raise RuntimeError(
                f"{Path(argv[0]).name} failed with exit status {proc.returncode}:\n"
                f"{proc.stdout}{self._log_tail()}"
            )
        return proc

    def _log_tail(self, lines: int = 40) -> str:
        if self.base_dir is None or not self.log_file.exists():
            return ""
        text = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        return "\n--- postgres.log (tail) ---\n" + "\n".join(text)

    def _make_base_dir(self) -> Path:
        base = Path(tempfile.gettempdir())
        if self._run_as is not None:
            uid, gid = self._run_as.pw_uid, self._run_as.pw_gid
            if not _traversable_by(base, uid, gid):
                base = Path("/tmp")  # TMPDIR is not reachable by the PG user
            path = Path(tempfile.mkdtemp(prefix="sfbot-pg-", dir=base))
            os.chown(path, uid, gid)
            if not _traversable_by(path, uid, gid):
                shutil.rmtree(path, ignore_errors=True)
                raise RuntimeError(f"{path} is not reachable by user {self._run_as.pw_name}")
            return path
        return Path(tempfile.mkdtemp(prefix="sfbot-pg-", dir=base))

    # -------------------------------------------------------------- lifecycle

    def start(self) -> str:
        """Create and start the cluster; return the URL of its `dbname` database."""
        if self.running:
            return self.url
        bindir = self.bindir  # raises PostgresNotAvailable early
        self._run_as = self._pick_run_as()
        self.base_dir = self._make_base_dir()
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        try:
            self._initdb(bindir)
            self._start_postmaster(bindir)
            self._admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.dbname)))
        except BaseException:
            self.stop()
            raise
        return self.url

    def _initdb(self, bindir: Path) -> None:
        self._run(
            [
                str(bindir / "initdb"),
                "--pgdata",
                str(self.data_dir),
                "--username",
                self.user,
                "--auth",
                "trust",
                "--encoding",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        self._run(["mkdir", "-p", str(self.socket_dir)])
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            "shared_buffers": "32MB",
            "log_min_messages": "warning",
            "timezone": "'UTC'",
        }
        conf = "".join(f"{key} = {value}\n" for key, value in settings.items())
        with (self.data_dir / "postgresql.conf").open("a") as fh:
            fh.write("\n# sfbot test server\n" + conf)

    def _start_postmaster(self, bindir: Path) -> None:
        last_error: Exception | None = None
        for _attempt in range(5):
            port = _free_port()
            proc = self._run(
                [
                    str(bindir / "pg_ctl"),
                    "start",
                    "--pgdata",
                    str(self.data_dir),
                    "--log",
                    str(self.log_file),
                    "--wait",
                    "--timeout",
                    str(self.start_timeout),
                    "-o",
                    f"-p {port}",
                ],
                check=False,
            )
            if proc.returncode == 0:
                self.port = port
                self._wait_ready()
                return
            last_error = RuntimeError(
                f"pg_ctl start failed with exit status {proc.returncode}:\n"
                f"{proc.stdout}{self._log_tail()}"
            )
            # Possibly lost a race for the port; make sure nothing is left and retry.
            self._run(
                [str(bindir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                check=False,
            )
        assert last_error is not None
        raise last_error

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while True:
            try:
                with self._admin_connect() as conn:
                    conn.execute("SELECT 1")
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop the server (immediate mode) and remove its directory. Idempotent."""
        if self.base_dir is None:
            return
        base, self.base_dir = self.base_dir, None
        try:
            if (base / "data" / "postmaster.pid").exists() and self._bindir is not None:
                self.base_dir = base  # cwd for _run
                self._run(
                    [
                        str(self._bindir / "pg_ctl"),
                        "stop",
                        "--pgdata",
                        str(base / "data"),
                        "--mode",
                        "immediate",
                        "--wait",
                    ],
                    check=False,
                )
        finally:
            self.base_dir = None
            self.port = None
            shutil.rmtree(base, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -------------------------------------------------------------- databases

    def _admin_connect(self) -> psycopg.Connection:
        if self.port is None:
            raise RuntimeError("PostgreSQL test server is not running")
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
            connect_timeout=10,
        )

    def _admin_execute(self, statement: sql.Composable) -> None:
        with self._admin_connect() as conn:
            conn.execute(statement)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database (a random name if none is given); return its URL."""
        name = name or f"t_{uuid.uuid4().hex[:16]}"
        if not _NAME_RE.match(name):
            raise ValueError(f"not a plain identifier: {name!r}")
        self._admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, terminating any connections still open to it."""
        if not self.running:
            return
        if not _NAME_RE.match(name):
            raise ValueError(f"not a plain identifier: {name!r}")
        self._admin_execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


if __name__ == "__main__":  # pragma: no cover - manual smoke test
    with PostgresServer() as _server:
        print(_server.url)
        print(_server.create_database("smoke"))
