#!/usr/bin/env python3
"""Hostile-peer probes against examples/04-tcp-responder (issue 9, items 3-4,
and the flow-control issue's "done when" figures).

Starts the responder on a free loopback port (its default TcpOptions), runs
one probe, prints what it measured, and stops the responder. The responder's
stdout (one line per echo) is drained by a `cat` of its own, so that a full
pipe never slows the node down:

  bazel build -c opt //examples:04-tcp-responder //examples:04-tcp-initiator
  tools/tcp_probe.py bazel-bin/examples/04-tcp-responder \\
      bazel-bin/examples/04-tcp-initiator MODE [N]

(bazel-bin follows the last bazel command's -c: after a plain `bazel test`,
the optimised binaries are under bazel-out/k8-opt/bin/examples/.)

MODE:
  halfframes  N connections each send a 2-byte frame header and nothing
              more: how long until the node has closed every one (expected:
              frame_timeout, 10 s), the responder's RSS and descriptors.
  swarm       N connections that send nothing; then three normal
              initiators: how many of the swarm the node closed (above the
              cap, 4096 by default), each initiator's round trip, the
              responder's stderr lines.
  hbswarm     the same, but each swarm connection first sends one heartbeat
              (none is silent): the initiator is retried until served
              (expected: after 2 * heartbeat_interval, 2 min).
  flood       one connection writes N small frames to "echoer" (return
              route [0#flood]) as fast as the node takes them and never
              reads a reply; 1 s in, a normal initiator is run (and every
              2 s while the flood lasts, five in all): its time to the echo.
              Done when: RSS growth <= 100 MiB, the echo within 2 s.
  appflood    N frames to "app", the node's app context, which in the
              responder never receives: the node holds about
              max_unhandled_bytes (1 MiB) of them and stops reading, so the
              writes stall (expected, by design). Done when: RSS growth
              <= 100 MiB. An initiator is run 1 s in as well.
  unknown     N frames to "nobody", a worker that does not exist: every one
              is logged and dropped, the log rate-limited. Done when: at
              most about 2,000 lines of stderr.
  forge       (no N) frames whose addresses and body hold
              "\\n[ockam ERROR] forged line\\x1b[31m": to an unknown local
              worker, to an unknown transport type, as the echoer's return
              route and as its body. Done when: no line of stderr (nor of
              stdout) starts with "[ockam ERROR] forged", and no ESC byte
              (0x1b) is in either.

The flood modes write without blocking, each write under a deadline: a
write that makes no progress for 5 s ends the flood (a stall), and the
flood is given 120 s at most, so the probe never hangs on a node that stops
reading. Each reports the frames written, the stalls over 100 ms (count,
longest, total), how long the node then took to settle (its CPU time still
for 1 s), the responder's RSS (VmRSS sampled every 50 ms: before, the
largest, the growth; VmHWM at the end) and its stderr lines, the shown and
the "suppressed" summaries.

Raises its own descriptor limit to the hard limit; N up to about that for
the connection modes.
"""
import os
import resource
import select
import socket
import subprocess
import sys
import threading
import time

HEARTBEAT = b"\x00\x04\x01\x00\x00\x00"
FORGED = "\n[ockam ERROR] forged line\x1b[31m"
DEFAULT_N = {"flood": 3000000, "appflood": 1000000, "unknown": 1000000}
MODES = ("halfframes", "swarm", "hbswarm", "flood", "appflood", "unknown", "forge")
STALL_REPORTED = 0.1  # s without progress that counts as a stall
STALL_LIMIT = 5.0  # s without progress that ends a flood
FLOOD_LIMIT = 120.0  # s a flood may take in all


# --- the wire (docs/wire-format.md) -------------------------------------------

def uvarint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def route(addresses):
    """[(type, name)] -> a BARE route."""
    out = bytearray(uvarint(len(addresses)))
    for t, name in addresses:
        name = name.encode() if isinstance(name, str) else name
        out += bytes([t]) + uvarint(len(name)) + name
    return bytes(out)


def string_body(text):
    data = text.encode()
    return uvarint(len(data)) + data


def frame(onward, ret, payload):
    """A u16 big-endian framed TransportMessage v1."""
    m = b"\x01" + route(onward) + route(ret) + uvarint(len(payload)) + payload
    assert len(m) <= 0xFFFF
    return len(m).to_bytes(2, "big") + m


# --- the responder ------------------------------------------------------------

def proc_status(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return -1


def rss_kib(pid):
    return proc_status(pid, "VmRSS")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def describe(pid):
    return f"RSS {rss_kib(pid)} KiB, {fds(pid)} descriptors"


def mib(kib):
    return f"{kib / 1024:.1f} MiB"


def start_responder(path, err_path, out_path):
    """The responder, its stdout drained by a `cat` into out_path (or nothing)."""
    err = open(err_path, "wb")
    p = subprocess.Popen([path, "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=err, bufsize=0)
    line = bytearray()
    while not line.endswith(b"\n"):  # byte by byte: nothing after it is read here
        b = os.read(p.stdout.fileno(), 1)
        if not b:
            break
        line += b
    line = line.decode(errors="replace").strip()
    if not line.startswith("Listening on 1#127.0.0.1:"):
        sys.exit(f"responder printed {line!r}")
    sink = open(out_path, "wb") if out_path else subprocess.DEVNULL
    drain = subprocess.Popen(["cat"], stdin=p.stdout, stdout=sink)
    p.stdout.close()
    return p, drain, int(line.rsplit(":", 1)[1])


class RssSampler(threading.Thread):
    """VmRSS every 50 ms, its largest value."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.max, self.stop = pid, rss_kib(pid), threading.Event()

    def run(self):
        while not self.stop.wait(0.05):
            try:
                self.max = max(self.max, rss_kib(self.pid))
            except (OSError, ValueError):
                return


def wait_settled(pid, limit=60.0):
    """Seconds until the process used no CPU for 1 s (at most limit)."""
    start = time.time()
    last, still_since = cpu_ticks(pid), time.time()
    while time.time() - start < limit:
        time.sleep(0.25)
        now = cpu_ticks(pid)
        if now - last > 1:  # more than 10 ms of CPU in 250 ms
            last, still_since = now, time.time()
        elif time.time() - still_since >= 1.0:
            return still_since - start
    return None


# --- connections ----------------------------------------------------------------

def open_many(port, n):
    """N non-blocking connects; returns once each is connected or failed."""
    socks = []
    for i in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
        if i % 500 == 499:
            time.sleep(0.01)  # pacing: lets the node's accepts keep up with the SYNs
    poller = select.epoll()
    for s in socks:
        poller.register(s.fileno(), select.EPOLLOUT)
    pending = len(socks)
    deadline = time.time() + 60
    while pending and time.time() < deadline:
        for fd, _ in poller.poll(1):
            poller.unregister(fd)
            pending -= 1
    poller.close()
    return socks


def wait_closed(socks, timeout):
    """{sock: seconds until the node's FIN or RST} for those within timeout."""
    start = time.time()
    closed = {}
    poller = select.epoll()
    by_fd = {}
    for s in socks:
        poller.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
        by_fd[s.fileno()] = s
    while len(closed) < len(socks) and time.time() - start < timeout:
        for fd, _ in poller.poll(0.5):
            s = by_fd[fd]
            try:
                if s.recv(4096):
                    continue  # a heartbeat from the node
            except BlockingIOError:
                continue
            except OSError:
                pass  # a reset
            closed[s] = time.time() - start
            poller.unregister(fd)
    poller.close()
    return closed


def run_initiator(path, port, timeout=120):
    t = time.time()
    try:
        r = subprocess.run([path, f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return time.time() - t, None, f"no echo within {timeout} s (killed)"
    out = (r.stdout.strip().splitlines() or [r.stderr.strip()[:160]])[0]
    return time.time() - t, r.returncode, out


class Flooder(threading.Thread):
    """Writes `count` copies of `one` on a connection that never reads."""

    BATCH = 8192  # frames per buffer

    def __init__(self, port, one, count):
        super().__init__(daemon=True)
        self.one, self.count = one, count
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setblocking(False)
        self.sent = 0  # bytes
        self.stalls = []  # seconds without progress, each over STALL_REPORTED
        self.ended = "?"
        self.started = self.finished = None

    def frames_sent(self):
        return self.sent // len(self.one)

    def run(self):
        total = len(self.one) * self.count
        buf = self.one * min(self.BATCH, self.count)
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLOUT)
        self.started = last_progress = time.time()
        try:
            while self.sent < total:
                now = time.time()
                if now - self.started > FLOOD_LIMIT:
                    self.ended = f"the {FLOOD_LIMIT:.0f} s limit"
                    break
                if now - last_progress > STALL_LIMIT:
                    self.ended = f"a stall of {STALL_LIMIT:.0f} s (the node stopped reading)"
                    break
                if not poller.poll(100):
                    continue
                off = self.sent % len(buf)
                view = memoryview(buf)[off:min(len(buf), off + total - self.sent)]
                try:
                    n = self.sock.send(view)
                except BlockingIOError:
                    continue
                except OSError as e:
                    self.ended = f"{e} (the node closed the connection)"
                    break
                now = time.time()
                if now - last_progress > STALL_REPORTED:
                    self.stalls.append(now - last_progress)
                self.sent += n
                last_progress = now
            else:
                self.ended = "all written"
        finally:
            self.finished = time.time()
            if now - last_progress > STALL_REPORTED and self.sent < total:
                self.stalls.append(time.time() - last_progress)


def flood(p, initiator, port, mode, n):
    to = {"flood": "echoer", "appflood": "app", "unknown": "nobody"}[mode]
    one = frame([(0, to)], [(0, "flood")], string_body("x"))
    hwm_before = proc_status(p.pid, "VmHWM")
    rss_before = rss_kib(p.pid)
    print(f"{mode}: {n} frames of {len(one)} bytes ({mib(n * len(one) / 1024)}) to {to!r}, return route [0#flood]")
    print(f"responder before: RSS {rss_before} KiB, VmHWM {hwm_before} KiB, {fds(p.pid)} descriptors;"
          f" load average {os.getloadavg()[0]:.2f}")
    sampler = RssSampler(p.pid)
    sampler.start()
    flooder = Flooder(port, one, n)
    flooder.start()
    time.sleep(1.0)
    results = []
    while True:  # at 1 s, then every 2 s while the flood lasts, five at most
        at, during = time.time() - flooder.started, flooder.is_alive()
        took, rc, out = run_initiator(initiator, port, timeout=30)
        results.append((at, during, took, rc, out))
        flooder.join(max(0.0, at + 2.0 - (time.time() - flooder.started)))
        if not flooder.is_alive() or len(results) >= 5:
            break
    flooder.join()
    written = flooder.frames_sent()
    dur = flooder.finished - flooder.started
    print(f"flood ended after {dur:.2f} s: {flooder.ended}; {written}/{n} frames written"
          f" ({written / dur / 1000:.0f} k frames/s)")
    if flooder.stalls:
        print(f"writes stalled (>{STALL_REPORTED * 1000:.0f} ms without progress) {len(flooder.stalls)} time(s):"
              f" the longest {max(flooder.stalls):.2f} s, {sum(flooder.stalls):.2f} s in all")
    else:
        print(f"writes never stalled for more than {STALL_REPORTED * 1000:.0f} ms")
    for i, (at, during, took, rc, out) in enumerate(results):
        when = "into the flood" if during else "after the flood began; it had ended"
        print(f"initiator {i + 1} (started {at:.2f} s {when}): exit {rc} in {took:.2f} s: {out}")
    settled = wait_settled(p.pid)
    print(f"responder settled (1 s without CPU) {settled:.2f} s after the flood ended" if settled is not None
          else "responder still busy 60 s after the flood ended")
    after_took, after_rc, after_out = run_initiator(initiator, port, timeout=30)
    print(f"initiator after the flood: exit {after_rc} in {after_took:.2f} s: {after_out}")
    sampler.stop.set()
    sampler.join()
    rss_after = rss_kib(p.pid)
    hwm_after = proc_status(p.pid, "VmHWM")
    print(f"responder RSS: before {rss_before} KiB, largest sample {sampler.max} KiB (growth"
          f" {mib(sampler.max - rss_before)}), after {rss_after} KiB; VmHWM {hwm_before} -> {hwm_after} KiB"
          f" (growth over RSS before {mib(hwm_after - rss_before)}); {fds(p.pid)} descriptors")
    flooder.sock.close()


def forge(p, initiator, port):
    cases = [
        ("onward: an unknown local worker", [(0, FORGED)], [(0, "forge")], string_body("x")),
        ("onward: echoer, return route: the forged address", [(0, "echoer")], [(0, FORGED)], string_body("x")),
        ("onward: echoer, body: the forged text", [(0, "echoer")], [(0, "forge")], string_body(FORGED)),
        ("onward: an unknown transport type 9", [(9, FORGED)], [(0, "forge")], string_body("x")),
        ("onward: TCP to the forged address", [(1, FORGED)], [(0, "forge")], string_body("x")),
    ]
    for what, onward, ret, payload in cases:
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(frame(onward, ret, payload))
        s.settimeout(0.5)
        try:
            got = s.recv(65536)
            reply = f"got {len(got)} byte(s) back" if got else "the node closed the connection"
        except socket.timeout:
            reply = "nothing back in 0.5 s"
        except OSError as e:
            reply = f"{e}"
        print(f"sent {what}: {reply}")
        s.close()
    took, rc, out = run_initiator(initiator, port, timeout=30)
    print(f"initiator after: exit {rc} in {took:.2f} s: {out}")


def report_log(err_path, out_path, mode):
    with open(err_path, "rb") as f:
        raw = f.read()
    os.unlink(err_path)
    lines = raw.decode(errors="replace").splitlines()
    listener_lines = [l for l in lines if "TCP listener" in l]
    suppressed = [l for l in lines if "suppressed" in l]
    print(f"responder stderr: {len(lines)} lines, {len(raw)} bytes, {len(listener_lines)} from the accept loop,"
          f" {len(suppressed)} 'suppressed' summaries")
    counted = 0
    for l in suppressed:
        try:
            counted += int(l.split("suppressed ", 1)[1].split()[0])
        except (IndexError, ValueError):
            pass
    if suppressed:
        print(f"  the summaries count {counted} suppressed lines (shown + suppressed: {len(lines) - len(suppressed) + counted})")
    for line in (listener_lines or lines)[:5]:
        print("  " + line[:240])
    if mode == "forge":
        out = b""
        if out_path:
            with open(out_path, "rb") as f:
                out = f.read()
            os.unlink(out_path)
        for name, text in (("stderr", raw), ("stdout", out)):
            t = text.decode(errors="replace").splitlines()
            starts = [l for l in t if l.startswith("[ockam ERROR] forged")]
            print(f"{name}: {len(t)} lines, {len(starts)} start with '[ockam ERROR] forged',"
                  f" {text.count(0x1b)} ESC byte(s)")
            for l in t:
                if "forged" in l:
                    print("  " + l[:300])


def main():
    if len(sys.argv) not in (4, 5) or sys.argv[3] not in MODES or (len(sys.argv) == 4 and sys.argv[3] not in DEFAULT_N and sys.argv[3] != "forge"):
        sys.exit(__doc__)
    responder, initiator, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    n = int(sys.argv[4]) if len(sys.argv) == 5 else DEFAULT_N.get(mode, 0)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    err_path = f"/tmp/tcp_probe.{os.getpid()}.err"
    out_path = f"/tmp/tcp_probe.{os.getpid()}.out" if mode == "forge" else None
    p, drain, port = start_responder(responder, err_path, out_path)
    print(f"responder on port {port}: {describe(p.pid)}")
    try:
        if mode in DEFAULT_N:
            flood(p, initiator, port, mode, n)
        elif mode == "forge":
            forge(p, initiator, port)
        elif mode == "halfframes":
            socks = open_many(port, n)
            t0 = time.time()
            for s in socks:
                try:
                    s.send(b"\x00\x10")  # a header for 16 bytes, which never come
                except OSError:
                    pass
            closed = wait_closed(socks, 60)
            times = sorted(closed.values())
            print(f"closed by the node: {len(closed)}/{n}, the first {times[0]:.2f} s and the last"
                  f" {times[-1]:.2f} s after the headers went out" if times else f"closed: 0/{n}")
            print(f"responder after: {describe(p.pid)}")
        else:
            t0 = time.time()
            socks = open_many(port, n)
            if mode == "hbswarm":
                for s in socks:
                    try:
                        s.send(HEARTBEAT)
                    except OSError:
                        pass
            print(f"{n} connections opened in {time.time() - t0:.1f} s; responder: {describe(p.pid)}")
            closed = wait_closed(socks, 3)
            print(f"closed by the node within 3 s: {len(closed)}")
            if mode == "hbswarm":
                t1, tries = time.time(), 0
                while True:
                    tries += 1
                    took, rc, out = run_initiator(initiator, port)
                    if rc == 0:
                        break
                print(f"an initiator was served {time.time() - t1:.1f} s later ({tries} tries): {out}")
            for i in range(3):
                took, rc, out = run_initiator(initiator, port)
                print(f"initiator {i + 1}: exit {rc} in {took:.2f} s: {out}")
            print(f"responder after: {describe(p.pid)}")
            for s in socks:
                s.close()
    finally:
        alive = p.poll() is None
        p.terminate()
        try:
            rc = p.wait(30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = f"{p.wait()} (killed: no exit within 30 s of SIGTERM)"
        drain.wait(30)
        print(f"responder {'stopped by SIGTERM' if alive else 'HAD ALREADY EXITED'}: exit {rc}")
    report_log(err_path, out_path, mode)


if __name__ == "__main__":
    main()
