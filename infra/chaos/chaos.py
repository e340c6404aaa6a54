#!/usr/bin/env python3
"""Chaos run of the pipeline (make chaos): the same Binance-dump input through two deployments of separate role
processes -- one left alone, one whose roles are kill -9'd and restarted at random, whose broker is killed once
and whose PostgreSQL is stopped (immediate) for ~30 s -- then the trades, candles and indicators both stored are
compared row by row. Prints lost / extra / duplicated / differing counts; exit 1 when any is non-zero.

Python 3 standard library only. Every process it starts is its own process group and is killed on exit.
Waiting is on progress (log lines, PostgreSQL answering, row counts and sink positions no longer moving),
never on the clock; only the fault schedule uses random sleeps.
"""
import argparse
import atexit
import csv
import hashlib
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DLL = os.path.join(ROOT, ".run", "bin", "pipeline.dll")
AS_ROOT = os.geteuid() == 0
STARTED = []  # every Popen we started, for the exit trap
PG_DIRS = []  # PostgreSQL data folders we started, stopped on exit


def log(msg):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin(tool):
    for v in ("17", "16", "15"):
        p = f"/usr/lib/postgresql/{v}/bin/{tool}"
        if os.path.exists(p):
            return p
    sys.exit("chaos: PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; run 'make setup'")


def as_postgres(args):
    return ["runuser", "-u", "postgres", "--"] + args if AS_ROOT else args


def cleanup():
    for p in STARTED:
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for d in PG_DIRS:
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", d, "-m", "immediate", "-w", "stop"]),
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def generate_dump(folder, symbol, first_id, start_ms, count, price, seed):
    """A Binance `trades` dump (data.binance.vision layout, µs times) of a seeded random walk."""
    rng = random.Random(seed)
    path = os.path.join(folder, f"{symbol}-trades-2025-01-02.csv")
    t_us = start_ms * 1000
    p = Decimal(price)
    tick = (p / 20000).quantize(Decimal("0.01"))
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"])
        for i in range(count):
            t_us += rng.randint(1, 250_000)
            p = max(tick, p + tick * rng.randint(-3, 3))
            qty = Decimal(rng.randint(1, 200_000)) / Decimal(100_000)
            w.writerow([first_id + i, f"{p:.8f}", f"{qty:.8f}", f"{(p * qty):.8f}", t_us,
                        "True" if rng.random() < 0.5 else "False", "True"])
    return path


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field(number, value):
    """One Protobuf field: an int is a varint, bytes/str are length-delimited."""
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def trade(trade_id, price, size, event_time_us):
    """A pipeline.v1.Trade (schemas/proto/pipeline/v1/trade.proto) of Binance BTC/USDT spot, as an import writes it."""
    def decimal(d):
        sign, digits, exp = Decimal(d).as_tuple()
        scale = max(0, -exp)
        unscaled = int("".join(map(str, digits))) * (10 ** max(0, exp))
        return field(1, unscaled & (2**64 - 1)) + field(2, unscaled >> 64) + field(3, scale)
    ref = field(1, "binance") + field(2, "BTC") + field(3, "USDT") + field(4, 1)
    return (field(1, ref) + field(2, trade_id) + field(3, decimal(price)) + field(4, decimal(size)) + field(5, 1)
            + field(6, event_time_us) + field(7, event_time_us) + field(8, 3) + field(9, "BTCUSDT"))


def hostile_records(rng):
    """Records no real producer writes, for trades.raw: (name, value bytes)."""
    return [
        ("year 30000", trade(9_000_000_001, "93000.5", "0.01", 946_076_889_600_000_000)),
        ("price 1e15 x size 1e15", trade(9_000_000_002, "1000000000000000", "1000000000000000", 1_735_783_200_000_000)),
        ("garbage bytes", b"\x00\xff\xfe garbage \x13\x37" * 3),
        ("truncated varint", b"\x10\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
        ("oversized (1.5 MB of random bytes)", bytes(rng.getrandbits(8) for _ in range(1_500_000))),
    ]


def read_varint(buf, i):
    n = shift = 0
    while True:
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return n, i


def reason_code(dead_letter):
    """Field 6 (reason_code) of a pipeline.v1.DeadLetter."""
    i = 0
    while i < len(dead_letter):
        tag, i = read_varint(dead_letter, i)
        kind = tag & 7
        if kind == 0:
            _, i = read_varint(dead_letter, i)
        elif kind == 2:
            n, i = read_varint(dead_letter, i)
            if tag >> 3 == 6:
                return dead_letter[i:i + n].decode()
            i += n
        elif kind == 1:
            i += 8
        elif kind == 5:
            i += 4
        else:
            return "?"
    return "?"


class Deployment:
    """PostgreSQL + broker + 2 processors + 2 sinks + API, each its own process."""

    ROLES = ["process-1", "process-2", "sink-1", "sink-2", "api"]

    def __init__(self, name, work):
        self.name = name
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir, exist_ok=True)
        self.pg_dir = os.path.join(self.dir, "pg")
        self.pg_port = free_port()
        self.broker_port = free_port()
        self.api_port = free_port()
        self.procs = {}
        self.lock = threading.Lock()
        self.tag = f"chaos{os.getpid()}{name}"

    # ---- PostgreSQL
    def start_pg(self):
        if not os.path.exists(os.path.join(self.pg_dir, "PG_VERSION")):
            os.makedirs(self.pg_dir, exist_ok=True)
            if AS_ROOT:
                subprocess.run(["chown", "-R", "postgres:postgres", self.pg_dir], check=True)
            subprocess.run(as_postgres([pg_bin("initdb"), "-D", self.pg_dir, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                        "--locale=C.UTF-8", "--no-sync"]), check=True, stdout=subprocess.DEVNULL)
            PG_DIRS.append(self.pg_dir)
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.pg_dir, "-l", os.path.join(self.pg_dir, "server.log"), "-w",
                                    "-t", "120", "-o", f"-p {self.pg_port} -c listen_addresses=127.0.0.1 "
                                    f"-c unix_socket_directories='{self.pg_dir}' -c max_connections=200", "start"]),
                       check=True, stdout=subprocess.DEVNULL)
        if self.psql("SELECT 1 FROM pg_database WHERE datname='pipeline'", db="postgres").strip() != "1":
            self.psql("CREATE DATABASE pipeline", db="postgres")

    def stop_pg_immediate(self):
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.pg_dir, "-m", "immediate", "-w", "stop"]),
                       check=True, stdout=subprocess.DEVNULL)

    def psql(self, sql, db="pipeline"):
        r = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.pg_port), "-U", "postgres", "-d", db, "-At",
                            "-v", "ON_ERROR_STOP=1", "-c", sql], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql: {r.stderr.strip()}")
        return r.stdout

    # ---- processes
    def env(self, role=None):
        e = dict(os.environ)
        e.update({
            "PIPELINE__KAFKA__BOOTSTRAP": f"127.0.0.1:{self.broker_port}",
            "PIPELINE__DATABASE__URL": f"Host=127.0.0.1;Port={self.pg_port};Username=postgres;Database=pipeline",
            "PIPELINE__API__URLS": f"http://127.0.0.1:{self.api_port}",
            "PIPELINE__SIMULATOR__ENABLED": "false",
            "PIPELINE__DATADIR": self.dir,
        })
        if role and role.startswith("process-"):
            e["PIPELINE__PROCESSING__INSTANCEID"] = f"{self.tag}-{role}"
        return e

    def spawn(self, key, args, role=None):
        out = open(os.path.join(self.dir, f"{key}.log"), "ab")
        p = subprocess.Popen(["dotnet", DLL] + args, cwd=ROOT, env=self.env(role), stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True)
        STARTED.append(p)
        return p

    def start_broker(self):
        logf = os.path.join(self.dir, "broker.log")
        before = os.path.getsize(logf) if os.path.exists(logf) else 0
        p = self.spawn("broker", ["broker", "--port", str(self.broker_port), "--data-dir", os.path.join(self.dir, "broker")])
        self.procs["broker"] = p
        while True:  # progress: the broker prints LISTENING once it accepts connections
            with open(logf, "rb") as f:
                f.seek(before)
                if b"LISTENING" in f.read():
                    return
            if p.poll() is not None:
                raise RuntimeError(f"{self.name}: broker exited ({p.returncode}); see {logf}")
            time.sleep(0.2)

    def start_role(self, role):
        self.procs[role] = self.spawn(role, [role.split("-")[0]], role)

    def kill(self, key):
        p = self.procs[key]
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()

    def start(self):
        self.start_pg()
        self.start_broker()
        for role in self.ROLES:
            self.start_role(role)

    def import_dump(self, files, key="import"):
        args = ["import", "binance-dump"] + files + ["--wait", "0"]
        p = self.spawn(key, args)
        return p

    def inject_raw(self, records):
        """Records no producer writes, straight into trades.raw with kcat (one message per file), under the key and
        headers of a real Binance BTC/USDT trade so they reach the validator's partition."""
        bootstrap = f"127.0.0.1:{self.broker_port}"
        key = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", "trades.raw", "-p", "0", "-o", "beginning", "-c", "1", "-e",
                              "-q", "-f", "%k"], capture_output=True, text=True, timeout=120).stdout
        keys = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", "trades.raw", "-o", "beginning", "-e", "-q", "-f", "%k\n"],
                              capture_output=True, text=True, timeout=300).stdout.splitlines()
        key = next((k for k in keys if "BTC" in k), key)
        for i, (name, data) in enumerate(records):
            path = os.path.join(self.dir, f"hostile-{i}.bin")
            with open(path, "wb") as f:
                f.write(data)
            r = subprocess.run(["kcat", "-P", "-b", bootstrap, "-t", "trades.raw", "-k", key,
                                "-H", "pipeline.type=pipeline.v1.Trade", "-H", "pipeline.schema-version=1",
                                "-H", "content-type=application/x-protobuf", "-X", "message.max.bytes=4000000", path],
                               capture_output=True, text=True)
            log(f"{self.name}: hostile record '{name}' ({len(data)} bytes, key {key}) -> kcat exit {r.returncode} "
                f"{r.stderr.strip()[:160]}")

    def progress(self):
        return self.psql("SELECT (SELECT count(*) FROM trades), (SELECT count(*) FROM candles), (SELECT count(*) FROM indicators),"
                         " (SELECT coalesce(sum(next_offset),0) FROM sink_positions),"
                         " (SELECT coalesce(max(updated_at)::text,'') FROM candles)").strip()

    def wait_quiet(self, stable_polls=6, limit_s=1200):
        """Done when every role runs and the stored rows and the sink's committed offsets stop moving."""
        last, same, t0 = None, 0, time.time()
        while time.time() - t0 < limit_s:
            for key, p in self.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{self.name}: {key} exited ({p.returncode}); see {self.dir}/{key}.log")
            try:
                now = self.progress()
            except RuntimeError:
                now = None
            same = same + 1 if now is not None and now == last else 0
            last = now
            if same >= stable_polls:
                return now
            time.sleep(2.5)
        raise RuntimeError(f"{self.name}: still moving after {limit_s} s: {last}")

    def dump(self):
        queries = {
            "trades": ("SELECT instrument_id, trade_id, time, price, size, aggressor FROM trades", 2),
            "candles": ("SELECT instrument_id, interval, source, time, open, high, low, close, volume, quote_volume, trade_count,"
                        " taker_buy_volume, taker_buy_quote_volume, vwap, first_trade_id, last_trade_id, closed, revision FROM candles", 4),
            "indicators": ("SELECT instrument_id, interval, indicator, time, fields, candle_revision FROM indicators", 4),
        }
        out = {}
        for table, (sql, key_cols) in queries.items():
            text = self.psql(f"COPY ({sql} ORDER BY 1,2,3,4) TO STDOUT")
            rows = [line.split("\t") for line in text.splitlines()]
            out[table] = (rows, key_cols, hashlib.md5(text.encode()).hexdigest())
        return out

    def dead_letters(self):
        """Dead letters by reason code (kcat frames each value with its length: %R)."""
        r = subprocess.run(["kcat", "-C", "-b", f"127.0.0.1:{self.broker_port}", "-t", "deadletter", "-o", "beginning", "-e", "-q",
                            "-X", "isolation.level=read_committed", "-f", "%R%s"], capture_output=True, timeout=300)
        out, i, reasons = r.stdout, 0, {}
        while i + 4 <= len(out):
            n = int.from_bytes(out[i:i + 4], "big", signed=True)
            i += 4
            code = reason_code(out[i:i + max(n, 0)])
            i += max(n, 0)
            reasons[code] = reasons.get(code, 0) + 1
        return reasons

    def stop(self):
        for key, p in self.procs.items():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        subprocess.run(as_postgres([pg_bin("pg_ctl"), "-D", self.pg_dir, "-m", "fast", "-w", "stop"]), stdout=subprocess.DEVNULL)


def run(name, work, files, hostile, chaos, rng):
    d = Deployment(name, work)
    log(f"{name}: starting PostgreSQL :{d.pg_port}, broker :{d.broker_port}, 2 processors, 2 sinks, API :{d.api_port}")
    d.start()
    events = []
    stop = threading.Event()

    def supervisor():
        broker_at = rng.uniform(5, 12)
        pg_at = rng.uniform(15, 30)
        t0 = time.time()
        broker_done = pg_done = False
        while not stop.is_set() or not (broker_done and pg_done):
            time.sleep(rng.uniform(2, 6))
            elapsed = time.time() - t0
            with d.lock:
                if not broker_done and elapsed >= broker_at:
                    d.kill("broker")
                    events.append("kill -9 broker")
                    log(f"{name}: kill -9 broker; restarting it")
                    d.start_broker()
                    broker_done = True
                elif not pg_done and elapsed >= pg_at:
                    log(f"{name}: pg_ctl stop -m immediate; PostgreSQL down for ~30 s")
                    d.stop_pg_immediate()
                    events.append("PostgreSQL stopped (immediate) ~30 s")
                    time.sleep(30)
                    d.start_pg()
                    log(f"{name}: PostgreSQL back")
                    pg_done = True
                else:
                    role = rng.choice(Deployment.ROLES)
                    d.kill(role)
                    events.append(f"kill -9 {role}")
                    log(f"{name}: kill -9 {role}; restarting it")
                    d.start_role(role)

    sup = threading.Thread(target=supervisor, daemon=True)
    if chaos:
        sup.start()
    imp = d.import_dump(files, "import-1")
    rc1 = imp.wait()
    log(f"{name}: import 1 exit {rc1}")
    if chaos:
        imp = d.import_dump(files, "import-2")  # the same files again, while faults go on: nothing may double
        log(f"{name}: import 2 (re-run of the same files) exit {imp.wait()}")
    d.inject_raw(hostile)
    if chaos:
        stop.set()
        sup.join()
        with d.lock:
            for key, p in d.procs.items():
                if p.poll() is not None:
                    raise RuntimeError(f"{name}: {key} is not running after the faults")
    log(f"{name}: waiting until rows and sink positions stop moving")
    final = d.wait_quiet()
    log(f"{name}: quiet at trades|candles|indicators|sink offsets|last update = {final}")
    data = d.dump()
    dl = d.dead_letters()
    log(f"{name}: {dl} dead letters")
    d.stop()
    return data, events, dl


def compare(table, clean, chaos):
    rows_a, key_cols, md5_a = clean
    rows_b, _, md5_b = chaos
    a, b = {}, {}
    dup = 0
    for r in rows_a:
        a.setdefault(tuple(r[:key_cols]), []).append(r)
    for r in rows_b:
        b.setdefault(tuple(r[:key_cols]), []).append(r)
    dup = sum(len(v) - 1 for v in b.values() if len(v) > 1) + sum(len(v) - 1 for v in a.values() if len(v) > 1)
    lost = [k for k in a if k not in b]
    extra = [k for k in b if k not in a]
    differ = [k for k in a if k in b and a[k][0] != b[k][0]]
    print(f"  {table:<10} clean {len(rows_a):>8}  chaos {len(rows_b):>8}  lost {len(lost):>6}  extra {len(extra):>6}  "
          f"duplicated {dup:>6}  differing {len(differ):>6}  md5 {md5_a[:12]} {'==' if md5_a == md5_b else '!='} {md5_b[:12]}")
    for k in (lost[:3] + extra[:3]):
        print(f"      {'lost ' if k in a else 'extra'} {k}")
    for k in differ[:3]:
        print(f"      differs {k}:\n        clean {a[k][0]}\n        chaos {b[k][0]}")
    return len(lost) + len(extra) + dup + len(differ)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trades", type=int, default=200_000, help="trades in the generated dump, split over BTCUSDT and ETHUSDT")
    ap.add_argument("--seed", type=int, default=int(time.time()), help="seed of the fault schedule (the data is always seed 7)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder (logs are always kept when a run fails)")
    args = ap.parse_args()
    if not os.path.exists(DLL):
        sys.exit("chaos: .run/bin/pipeline.dll is missing; run 'make chaos' (it builds the CLI) or './pipeline --help'")
    atexit.register(cleanup)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = tempfile.mkdtemp(prefix="pipeline-chaos-")
    os.chmod(work, 0o755)
    log(f"work folder {work}; fault seed {args.seed}")
    half = args.trades // 2
    files = [generate_dump(work, "BTCUSDT", 4_000_000_000, 1_735_776_000_000, half, "96000.00", 7),
             generate_dump(work, "ETHUSDT", 2_000_000_000, 1_735_776_000_000, args.trades - half, "3400.00", 8)]
    hostile = hostile_records(random.Random(7))
    clean, _, dl_clean = run("clean", work, files, hostile, False, random.Random(args.seed))
    chaos, events, dl_chaos = run("chaos", work, files, hostile, True, random.Random(args.seed))
    print(f"\nFaults injected ({len(events)}): " + ", ".join(events))
    print(f"Dead letters by reason: clean {dl_clean}; chaos {dl_chaos} (the chaos run imports the same files twice)")
    print("Stored rows, chaos run against the clean run:")
    bad = sum(compare(t, clean[t], chaos[t]) for t in ("trades", "candles", "indicators"))
    # Every generated trade is valid: all of them stored by the clean run; the re-import's copies are the only extra
    # dead letters of the chaos run; each hostile record is dead-lettered (none stored, none stops a stage).
    stored = len(clean["trades"][0])
    if stored != args.trades:
        print(f"  clean run stored {stored} of the {args.trades} valid trades")
        bad += abs(args.trades - stored)
    rest = {k: v for k, v in dl_chaos.items() if k != "duplicate_trade_id"}
    if rest != dl_clean or dl_chaos.get("duplicate_trade_id", 0) != args.trades or sum(dl_clean.values()) != len(hostile):
        print(f"  dead letters are not the {len(hostile)} hostile records (+ {args.trades} re-imported duplicates in the chaos run)")
        bad += 1
    print("RESULT: " + ("identical" if bad == 0 else f"{bad} rows lost, extra, duplicated or differing") + f" (logs: {work})")
    if bad == 0 and not args.keep:
        subprocess.run(["rm", "-rf", os.path.join(work, "clean", "broker"), os.path.join(work, "chaos", "broker")])
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
