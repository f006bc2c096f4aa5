#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""flowgen.py: traffic with sequence numbers, for the loss tests.

  flowgen.py udp-recv PORT OUT          receive until a FIN datagram, then
                                        write {"received", "missing", "dup"}
  flowgen.py udp-send HOST PORT PPS SECONDS
                                        send numbered datagrams, then FIN
  flowgen.py tcp-recv PORT OUT          accept one stream, verify its
                                        counter pattern, write {"bytes", "ok"}
  flowgen.py tcp-send HOST PORT KBPS SECONDS
                                        stream a counter pattern, paced

Receivers take both families (one IPv6 socket, IPv4 mapped); a sender's
family is its HOST's. Bounded in time and count; only for the test hosts'
own addresses."""
import json
import socket
import struct
import sys
import time


def any_socket(kind):
    """A socket bound to nothing yet that receives both families."""
    s = socket.socket(socket.AF_INET6, kind)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    return s


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def udp_recv(port, out):
    s = any_socket(socket.SOCK_DGRAM)
    # The sender catches up after a stall with a burst; under emulation the
    # receiver may stall too. A socket buffer overflow is not a network
    # loss: give it room (root: past rmem_max). The test prints
    # UDP RcvbufErrors besides, should any remain.
    SO_RCVBUFFORCE = getattr(socket, "SO_RCVBUFFORCE", 33)
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    s.bind(("::", int(port)))
    s.settimeout(600)
    seen, dup, last = set(), 0, -1
    while True:
        data, _ = s.recvfrom(2048)
        if data.startswith(b"FIN"):
            last = struct.unpack("!Q", data[3:11])[0]
            break
        n = struct.unpack("!Q", data[:8])[0]
        if n in seen:
            dup += 1
        seen.add(n)
    missing = [i for i in range(last) if i not in seen]
    json.dump({"sent": last, "received": len(seen), "missing": len(missing),
               "first_missing": missing[:10], "dup": dup}, open(out, "w"))


CATCH_UP = 0.05  # s of lateness a sender may make up at once (10 datagrams at 200/s)


def udp_send(host, port, pps, seconds):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    total = int(float(pps) * float(seconds))
    gap = 1.0 / float(pps)
    # Paced, never bursting: after a stall (the emulator's, or this
    # process's) it goes on at its rate from where it is, as ping does,
    # rather than catching up. A catch-up burst of hundreds of datagrams
    # overflows the veth backlog of its CPU under TCG (softirqs deferred to
    # ksoftirqd), a loss of the test's own making: UDP SndbufErrors counted
    # it in the sending pod, with no XFRM error anywhere.
    due = time.monotonic()
    for n in range(total):
        s.sendto(struct.pack("!Q", n) + b"TENC-UDP-CANARY" * 4, (host, int(port)))
        due += gap
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        elif delay < -CATCH_UP:
            due = time.monotonic()
    time.sleep(0.5)
    for _ in range(5):  # the FIN may be lost only if the test fails anyway
        s.sendto(b"FIN" + struct.pack("!Q", total), (host, int(port)))
        time.sleep(0.1)


def pattern(offset, n):
    out = bytearray()
    while len(out) < n:
        block = (offset + len(out)) // 8
        out += struct.pack("!Q", block)
    return bytes(out[:n])


def tcp_recv(port, out):
    ls = any_socket(socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", int(port)))
    ls.listen(1)
    ls.settimeout(600)
    c, _ = ls.accept()
    c.settimeout(120)
    got, ok, buf = 0, True, b""
    while True:
        data = c.recv(65536)
        if not data:
            break
        buf += data
        whole = len(buf) // 8 * 8
        if buf[:whole] != pattern(got, whole):
            ok = False
        got += whole
        buf = buf[whole:]
    json.dump({"bytes": got, "ok": ok and not buf}, open(out, "w"))


def tcp_send(host, port, kbps, seconds):
    s = socket.create_connection((host, int(port)), timeout=120)
    chunk = 1024
    total = int(float(kbps) * float(seconds))
    start, off = time.monotonic(), 0
    for i in range(total):
        s.sendall(pattern(off, chunk))
        off += chunk
        delay = start + (i + 1) / float(kbps) - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()


if __name__ == "__main__":
    cmds = {"udp-recv": udp_recv, "udp-send": udp_send, "tcp-recv": tcp_recv, "tcp-send": tcp_send}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    cmds[sys.argv[1]](*sys.argv[2:])
