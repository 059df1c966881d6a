#!/usr/bin/python3
"""PgBouncer in front of the test cluster (Python 3 stdlib only).

The tests and benchmarks that run adledger through a connection pooler start
one with the cluster's state (tests/postgresql/cluster.py) and stop it when
they are done:

    with pooler.PgBouncer(state) as bouncer:
        url = bouncer.url("e2e_pooler_1a2b")
        ...

It runs as the cluster's owner, in session pooling mode (a client keeps one
server connection until it disconnects; the server connection is then reset
with DISCARD ALL and given to the next client), listens on a Unix socket only,
in its own directory under /tmp (mode 0700), and lets adledger_admin in
without a password, as the cluster does. A missing pgbouncer is an error,
never a skip.
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import cluster

PORT = 6432
DIR_PREFIX = "pgb-"
START_TIMEOUT = 30  # seconds


class PgBouncer:
    def __init__(self, state, pool_mode="session"):
        self.state = state
        self.pool_mode = pool_mode
        self.dir = None
        self.process = None

    def url(self, dbname):
        return f"postgresql:///{dbname}?host={self.dir}&port={PORT}&user={cluster.ADMIN_USER}"

    def log_tail(self):
        try:
            with open(os.path.join(self.dir, "log"), encoding="utf-8", errors="replace") as f:
                return cluster._last_line(f.read())
        except OSError:
            return "no log"

    def __enter__(self):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.access(binary, os.X_OK):
            raise cluster.ClusterError("PgBouncer is not installed; run `bash .ci/install-deps` "
                                       "(Debian package pgbouncer)")
        self.dir = tempfile.mkdtemp(prefix=DIR_PREFIX, dir="/tmp")
        try:
            user = self.state.get("user")
            with open(os.path.join(self.dir, "users.txt"), "w", encoding="utf-8") as f:
                f.write(f'"{cluster.ADMIN_USER}" ""\n')
            with open(os.path.join(self.dir, "pgbouncer.ini"), "w", encoding="utf-8") as f:
                f.write("[databases]\n"
                        f"* = host={self.state['dir']} port={self.state['port']}\n"
                        "\n[pgbouncer]\n"
                        "listen_addr =\n"
                        f"listen_port = {PORT}\n"
                        f"unix_socket_dir = {self.dir}\n"
                        "auth_type = trust\n"
                        f"auth_file = {os.path.join(self.dir, 'users.txt')}\n"
                        f"pool_mode = {self.pool_mode}\n"
                        "server_reset_query = DISCARD ALL\n"
                        "max_client_conn = 200\n"
                        "default_pool_size = 20\n"
                        f"logfile = {os.path.join(self.dir, 'log')}\n")
            if user and os.geteuid() == 0:
                pw = pwd.getpwnam(user)
                for name in ("", "users.txt", "pgbouncer.ini"):
                    os.chown(os.path.join(self.dir, name), pw.pw_uid, pw.pw_gid)
            os.chmod(self.dir, 0o700)
            # Its own session: stopping it signals runuser and pgbouncer both.
            self.process = subprocess.Popen(
                cluster._as_user(user, [binary, os.path.join(self.dir, "pgbouncer.ini")]),
                cwd=self.dir, env=cluster._clean_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL, start_new_session=True)
            socket = os.path.join(self.dir, f".s.PGSQL.{PORT}")
            deadline = time.monotonic() + START_TIMEOUT
            while not os.path.exists(socket):
                if self.process.poll() is not None:
                    raise cluster.ClusterError(f"pgbouncer exited ({self.process.returncode}) as it started: "
                                               f"{self.log_tail()}")
                if time.monotonic() > deadline:
                    raise cluster.ClusterError(f"pgbouncer did not listen within {START_TIMEOUT} s: "
                                               f"{self.log_tail()}")
                time.sleep(0.05)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=START_TIMEOUT)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.dir and os.path.basename(self.dir).startswith(DIR_PREFIX):
            shutil.rmtree(self.dir, ignore_errors=True)
        return False
