#!/usr/bin/python3
"""Round-trip time in user space, for the critical-path benchmark (this kernel has no tc netem, and the
shared loopback must not be reshaped).

    delay.py --rtt-ms 50 --udp 127.0.9.1:53=127.0.0.1:KNOT --tcp 127.0.9.1:53=127.0.0.1:KNOT \
             --tcp 127.0.9.1:465=127.0.1.1:465 ...

Prints "ready" on stdout once every listener is bound, then runs until SIGTERM/SIGINT.
Loopback addresses only (it refuses any other).

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


def loopback_endpoint(text):
    host, _, port = text.rpartition(":")
    host = host.strip("[]")
    if not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError(f"{host} is not a loopback address")
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

    async def handle(self, client_reader, client_writer):
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


class UdpUpstream(asyncio.DatagramProtocol):
    def __init__(self, on_answer):
        self.on_answer = on_answer
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.on_answer(data)
        self.transport.close()


class UdpForwarder(asyncio.DatagramProtocol):
    def __init__(self, upstream, half_rtt, log):
        self.upstream = upstream
        self.half = half_rtt
        self.log = log
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        loop = asyncio.get_running_loop()
        if self.log:
            self.log.write(f"udp query {loop.time():.4f}\n")
        loop.call_later(self.half, lambda: asyncio.ensure_future(self.forward(data, addr)))

    async def forward(self, data, client):
        loop = asyncio.get_running_loop()

        def answer(reply):
            loop.call_later(self.half, lambda: self.transport.sendto(reply, client))

        transport, _ = await loop.create_datagram_endpoint(lambda: UdpUpstream(answer), remote_addr=self.upstream)
        transport.sendto(data)
        # An unanswered query must not leak its socket: give up after 5 s.
        loop.call_later(5.0, transport.close)


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
        transport, _ = await loop.create_datagram_endpoint(lambda u=upstream: UdpForwarder(u, half, log),
                                                           local_addr=listen)
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
