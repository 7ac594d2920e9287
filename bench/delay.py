#!/usr/bin/python3
"""Round-trip time in user space, for the critical-path benchmark (this kernel has no tc netem, and the
shared loopback must not be reshaped).

    delay.py --rtt-ms 50 --udp 127.0.9.1:53=127.0.0.1:KNOT --tcp 127.0.9.1:53=127.0.0.1:KNOT \
             --tcp 127.0.9.1:465=127.0.1.1:465 ...

Prints "ready" on stdout once every listener is bound, then runs until SIGTERM/SIGINT.
Addresses of the loopback interface only: 127/8, ::1 and addresses added to lo (it refuses any other).

What it emulates, per exchange, for a path whose round-trip time is RTT:
- UDP (DNS): each query is forwarded RTT/2 after it arrives, each answer returned RTT/2 after it arrives.
- TCP: every chunk in either direction is forwarded RTT/2 after it arrives. The kernel completes the
  client's connect() at once, so the TCP handshake's round trip would vanish; the relay puts it back by
  opening the upstream connection only at accept + 1.5 RTT (when a real server's accept() returns: SYN
  0.5, SYN-ACK 1, ACK 1.5) and holding client bytes until then. A client that writes right after
  connect (TLS ClientHello on 465) thus reaches the server at 1.5 RTT and its answer at 2 RTT, exactly as
  over a real path; a server that speaks first (SMTP banner) is heard at 2 RTT.
Order is kept per direction (the send times of one direction never decrease).
"""

import argparse
import asyncio
import ipaddress
import signal
import socket


def on_lo(address):
    """An address assigned to the loopback interface: 127/8, ::1, or one added to lo (an IPv6 ULA, say)."""
    if address.is_loopback:
        return True
    if address.version != 6:
        return False
    try:
        with open("/proc/net/if_inet6") as f:
            # Each line: address (32 hex digits), index, prefix length, scope, flags, device.
            return any(line.split()[0] == address.exploded.replace(":", "") and line.split()[-1] == "lo"
                       for line in f)
    except OSError:
        return False


def loopback_endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not on_lo(ipaddress.ip_address(host)):
        raise argparse.ArgumentTypeError(f"{host} is not an address of the loopback interface")
    return host, int(port)


def mapping(text):
    listen, _, upstream = text.partition("=")
    return loopback_endpoint(listen), loopback_endpoint(upstream)


class Direction:
    """One direction of one TCP connection: chunks leave in order, each at its own time."""

    def __init__(self, loop):
        self.loop = loop
        self.queue = asyncio.Queue()

    def put(self, when, data):
        self.queue.put_nowait((when, data))

    async def pump_out(self, writer_ready, get_writer):
        await writer_ready.wait()
        writer = get_writer()
        while True:
            when, data = await self.queue.get()
            pause = when - self.loop.time()
            if pause > 0:
                await asyncio.sleep(pause)
            if writer is None:
                return
            if data is None:
                try:
                    if writer.can_write_eof():
                        writer.write_eof()
                except OSError:
                    pass
                return
            writer.write(data)
            try:
                await writer.drain()
            except OSError:
                return


class TcpRelay:
    def __init__(self, upstream, half_rtt, log):
        self.upstream = upstream
        self.half = half_rtt
        self.log = log
        # asyncio keeps only weak references to tasks, and the server drops its own to a connection's
        # handler once the client's side is closed: without this set the garbage collector destroyed
        # handlers still pending ("Task was destroyed but it is pending!"), and their log lines with them.
        self.live = set()

    async def handle(self, client_reader, client_writer):
        self.live.add(asyncio.current_task())
        try:
            await self.relay(client_reader, client_writer)
        finally:
            self.live.discard(asyncio.current_task())

    async def relay(self, client_reader, client_writer):
        loop = asyncio.get_running_loop()
        accepted = loop.time()
        ready_at = accepted + 3 * self.half  # accept + 1.5 RTT
        up = {"writer": None}
        up_ready = asyncio.Event()
        client_ready = asyncio.Event()
        client_ready.set()
        to_server = Direction(loop)
        to_client = Direction(loop)

        async def read_client():
            while True:
                try:
                    data = await client_reader.read(65536)
                except OSError:
                    data = b""
                to_server.put(max(loop.time() + self.half, ready_at), data or None)
                if not data:
                    return

        async def connect_and_read_server():
            await asyncio.sleep(max(0.0, ready_at - loop.time()))
            try:
                reader, writer = await asyncio.open_connection(*self.upstream)
            except OSError:
                up_ready.set()  # the writer stays None: pump_out ends
                to_client.put(loop.time() + self.half, None)
                return
            up["writer"] = writer
            up_ready.set()
            while True:
                try:
                    data = await reader.read(65536)
                except OSError:
                    data = b""
                to_client.put(loop.time() + self.half, data or None)
                if not data:
                    return

        jobs = [asyncio.ensure_future(j) for j in (
            read_client(), connect_and_read_server(),
            to_server.pump_out(up_ready, lambda: up["writer"]),
            to_client.pump_out(client_ready, lambda: client_writer))]
        try:
            # Done when both directions have delivered their end of stream (or failed).
            await asyncio.wait(jobs[2:], return_when=asyncio.ALL_COMPLETED)
        finally:
            if self.log:
                # The timeline of every connection: which step of a check waits for which.
                self.log.write(f"tcp {self.upstream[0]}:{self.upstream[1]} accept {accepted:.4f} "
                               f"end {loop.time():.4f}\n")
                self.log.flush()
            for j in jobs:
                j.cancel()
            for w in (client_writer, up["writer"]):
                if w is not None:
                    w.close()
            # Wait for the cancelled jobs to end: once their sockets are closed nothing else refers to them,
            # and asyncio would destroy them still pending (and say so on stderr).
            await asyncio.gather(*jobs, return_exceptions=True)


class UdpUpstream(asyncio.DatagramProtocol):
    def __init__(self, on_answer):
        self.on_answer = on_answer

    def datagram_received(self, data, addr):
        self.on_answer(data)


class UdpForwarder(asyncio.DatagramProtocol):
    """Forwards every query on one upstream socket. The first version opened a socket per query: 0.18 ms
    of CPU each against 0.06 ms now, and in a 10,000-domain run (2,500 queries a second) it fell so far
    behind that answers came after relaymetry's 500 ms c-ares retry timer, whose retries made it worse
    (3 queries per lookup). Clients' query IDs may collide on the shared socket, so each forwarded query
    gets an ID of its own, mapped back in the answer. A few upstream sockets rather than one: the server
    (Knot) spreads its SO_REUSEPORT sockets by source port, and one 208 KiB receive buffer there overflows
    in the bursts of a large run."""

    UPSTREAM_SOCKETS = 8

    def __init__(self, upstream, half_rtt, log):
        self.upstream = upstream
        self.half = half_rtt
        self.log = log
        self.transport = None
        self.up = []
        self.loop = None
        self.pending = {}  # upstream ID -> (time sent, the client's ID bytes, client address)
        self.next_id = 0

    def connection_made(self, transport):
        self.transport = transport
        self.loop = asyncio.get_running_loop()

    async def open_upstream(self):
        for _ in range(self.UPSTREAM_SOCKETS):
            transport, _ = await self.loop.create_datagram_endpoint(lambda: UdpUpstream(self.answered),
                                                                    remote_addr=self.upstream)
            transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            self.up.append(transport)

    def datagram_received(self, data, addr):
        if self.log:
            self.log.write(f"udp query {self.loop.time():.4f}\n")
        if len(data) >= 12:  # a DNS header, or it is not a query
            self.loop.call_later(self.half, self.forward, data, addr)

    def forward(self, data, client):
        now = self.loop.time()
        for _ in range(0x10000):
            self.next_id = (self.next_id + 1) & 0xFFFF
            # An ID is free when unused or when its query went unanswered for 5 s (no timer per query).
            taken = self.pending.get(self.next_id)
            if taken is None or now - taken[0] >= 5.0:
                break
        else:
            return  # 65,536 queries in flight: drop this one, as a congested path would
        self.pending[self.next_id] = (now, data[:2], client)
        self.up[self.next_id % len(self.up)].sendto(self.next_id.to_bytes(2, "big") + data[2:])

    def answered(self, reply):
        entry = self.pending.pop(int.from_bytes(reply[:2], "big"), None) if len(reply) >= 12 else None
        if entry is not None:
            _, client_id, client = entry
            self.loop.call_later(self.half, self.transport.sendto, client_id + reply[2:], client)


async def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rtt-ms", type=float, required=True)
    parser.add_argument("--udp", type=mapping, action="append", default=[])
    parser.add_argument("--tcp", type=mapping, action="append", default=[])
    parser.add_argument("--log", help="append one line per TCP connection (accept and end, CLOCK_MONOTONIC)")
    args = parser.parse_args()
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    half = args.rtt_ms / 2000.0
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    servers = []
    for listen, upstream in args.tcp:
        relay = TcpRelay(upstream, half, log)
        servers.append(await asyncio.start_server(relay.handle, *listen, reuse_address=True, backlog=512))
    for listen, upstream in args.udp:
        transport, forwarder = await loop.create_datagram_endpoint(lambda u=upstream: UdpForwarder(u, half, log),
                                                                   local_addr=listen)
        await forwarder.open_upstream()
        # A check of 100 domains sends ~1,300 queries in one burst: the default 208 KiB receive buffer
        # drops part of it (each datagram costs ~1 KiB of buffer). The forwarder must not be the bottleneck.
        transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        servers.append(transport)
    print("ready", flush=True)
    await stop.wait()
    for s in servers:
        s.close()


if __name__ == "__main__":
    asyncio.run(main())
