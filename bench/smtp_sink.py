"""The stack's SMTP server: aiosmtpd accepting every message, instantly or after a delay.

Run by the harness as ``python bench/smtp_sink.py --port P``. SIGUSR1 makes it answer each
message's DATA after ``--slow`` seconds (2 s: the "SMTP slow" goal), SIGUSR2 instantly again.
It prints ``ready`` once listening and, on SIGTERM, one JSON line with the messages accepted.
"""

import argparse
import asyncio
import json
import signal
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, slow: float) -> None:
        self.slow = slow
        self.delay = 0.0
        self.messages = 0
        self.slow_messages = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.delay:
            self.slow_messages += 1
            await asyncio.sleep(self.delay)
        self.messages += 1
        return "250 OK"


async def serve(port: int, slow: float) -> None:
    sink = Sink(slow)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(sink, hostname="bench-smtp", enable_SMTPUTF8=True), "127.0.0.1", port
    )
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(sink, "delay", sink.slow))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(sink, "delay", 0.0))
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("ready", flush=True)
    await stop.wait()
    server.close()
    print(json.dumps({"messages": sink.messages, "slow_messages": sink.slow_messages}))
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--slow", type=float, default=2.0)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.slow))


if __name__ == "__main__":
    main()
