#!/usr/bin/env python3
"""Hostile-peer probes against examples/04-tcp-responder (issue 9, items 3-4).

Starts the responder on a free loopback port (its default TcpOptions), runs
one probe, prints what it measured, and stops the responder:

  bazel build //examples:04-tcp-responder //examples:04-tcp-initiator
  tools/tcp_probe.py bazel-bin/examples/04-tcp-responder \\
      bazel-bin/examples/04-tcp-initiator MODE N

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

Raises its own descriptor limit to the hard limit; N up to about that.
"""
import os
import resource
import select
import socket
import subprocess
import sys
import time

HEARTBEAT = b"\x00\x04\x01\x00\x00\x00"


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def describe(pid):
    return f"RSS {rss_kib(pid)} KiB, {fds(pid)} descriptors"


def start_responder(path, err_path):
    err = open(err_path, "w")
    p = subprocess.Popen([path, "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=err, text=True)
    line = p.stdout.readline().strip()
    if not line.startswith("Listening on 1#127.0.0.1:"):
        sys.exit(f"responder printed {line!r}")
    return p, int(line.rsplit(":", 1)[1])


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


def run_initiator(path, port):
    t = time.time()
    r = subprocess.run([path, f"127.0.0.1:{port}"], capture_output=True, text=True, timeout=120)
    return time.time() - t, r.returncode, (r.stdout.strip().splitlines() or [""])[0]


def main():
    if len(sys.argv) != 5 or sys.argv[3] not in ("halfframes", "swarm", "hbswarm"):
        sys.exit(__doc__)
    responder, initiator, mode, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    err_path = f"/tmp/tcp_probe.{os.getpid()}.err"
    p, port = start_responder(responder, err_path)
    print(f"responder on port {port}: {describe(p.pid)}")
    try:
        if mode == "halfframes":
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
        p.terminate()
        p.wait(30)
    with open(err_path) as f:
        lines = f.read().splitlines()
    os.unlink(err_path)
    listener_lines = [l for l in lines if "TCP listener" in l]
    print(f"responder stderr: {len(lines)} lines, {len(listener_lines)} from the accept loop")
    for line in listener_lines[:5]:
        print("  " + line[:240])


if __name__ == "__main__":
    main()
