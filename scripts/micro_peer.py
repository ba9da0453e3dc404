#!/usr/bin/env python3
"""A nats-py peer for the services tests: another NATS client on the same server, over TCP.

It does two things, both with nats-py's own `nats.micro`:

* runs a nats-py service, `py-echo` 0.1.0, with endpoint `echo` on `py.echo` (replies with the
  request's payload) and endpoint `fail` on `py.fail` (always answers with the service error
  `500` / `always fails`), so the page and the browser tests can discover a service that is
  not ours;
* answers `micro.check` requests: the payload is the name of a service (ours, in the browser);
  the peer asks `$SRV.PING`, `$SRV.INFO` and `$SRV.STATS` for it (each bare, `.<name>` and
  `.<name>.<id>`), parses every answer with `nats.micro`'s `ServicePing`, `ServiceInfo` and
  `ServiceStats` (`from_dict`), checks the JSON types the protocol gives (ADR-32), and replies
  `ok <json of what it read>` or `error <what was wrong>`.

It prints `ready` once both are subscribed, and runs until it is killed (the test command
stops it by PID).
"""

import argparse
import asyncio
import json

import nats
from nats.micro import add_service
from nats.micro.service import EndpointConfig, ServiceInfo, ServicePing, ServiceStats

TYPES = {
    "PING": "io.nats.micro.v1.ping_response",
    "INFO": "io.nats.micro.v1.info_response",
    "STATS": "io.nats.micro.v1.stats_response",
}


class Invalid(Exception):
    """An answer that does not follow ADR-32."""


def expect(condition, what):
    if not condition:
        raise Invalid(what)


def check_identity(doc, verb, name):
    expect(isinstance(doc, dict), f"{verb}: not a JSON object")
    expect(doc.get("type") == TYPES[verb], f"{verb}: type is {doc.get('type')!r}")
    expect(doc.get("name") == name, f"{verb}: name is {doc.get('name')!r}")
    for key in ("id", "version"):
        expect(isinstance(doc.get(key), str) and doc[key], f"{verb}: {key} is {doc.get(key)!r}")
    metadata = doc.get("metadata")
    expect(isinstance(metadata, dict), f"{verb}: metadata is {metadata!r}, not an object")
    expect(all(isinstance(v, str) for v in metadata.values()), f"{verb}: metadata values not strings")


def check_info(doc, name):
    check_identity(doc, "INFO", name)
    expect(isinstance(doc.get("description"), str), "INFO: description is not a string")
    endpoints = doc.get("endpoints")
    expect(isinstance(endpoints, list) and endpoints, "INFO: endpoints is not a non-empty array")
    for endpoint in endpoints:
        for key in ("name", "subject", "queue_group"):
            expect(isinstance(endpoint.get(key), str), f"INFO: endpoint {key} is {endpoint.get(key)!r}")
        expect(isinstance(endpoint.get("metadata"), dict), "INFO: endpoint metadata is not an object")
    ServiceInfo.from_dict(doc)


def check_stats(doc, name):
    check_identity(doc, "STATS", name)
    ServiceStats.from_dict(doc)  # parses `started` as %Y-%m-%dT%H:%M:%S.%fZ
    endpoints = doc.get("endpoints")
    expect(isinstance(endpoints, list) and endpoints, "STATS: endpoints is not a non-empty array")
    for endpoint in endpoints:
        for key in ("num_requests", "num_errors", "processing_time", "average_processing_time"):
            value = endpoint.get(key)
            expect(isinstance(value, int) and not isinstance(value, bool) and value >= 0,
                   f"STATS: endpoint {key} is {value!r}, not a count")
        for key in ("name", "subject", "queue_group", "last_error"):
            expect(isinstance(endpoint.get(key), str), f"STATS: endpoint {key} is {endpoint.get(key)!r}")


async def gather(nc, subject, wait=0.5):
    """Every answer to one request within `wait` seconds (a bare subject reaches every service)."""
    inbox = nc.new_inbox()
    sub = await nc.subscribe(inbox)
    await nc.publish(subject, b"", reply=inbox)
    answers = []
    loop = asyncio.get_running_loop()
    end = loop.time() + wait
    while (left := end - loop.time()) > 0:
        try:
            msg = await sub.next_msg(timeout=left)
        except (asyncio.TimeoutError, nats.errors.TimeoutError):
            break
        answers.append(json.loads(msg.data))
    await sub.unsubscribe()
    return answers


async def check_service(nc, name):
    """Everything ADR-32 says discovery of `name` answers, as nats-py reads it."""
    seen = {}
    for verb in ("PING", "INFO", "STATS"):
        bare = [doc for doc in await gather(nc, f"$SRV.{verb}") if doc.get("name") == name]
        expect(bare, f"$SRV.{verb}: no answer from {name}")
        named = await gather(nc, f"$SRV.{verb}.{name}")
        expect(named and all(doc.get("name") == name for doc in named), f"$SRV.{verb}.{name}: {named!r}")
        for doc in named:
            by_id = await gather(nc, f"$SRV.{verb}.{name}.{doc.get('id')}")
            expect(len(by_id) == 1, f"$SRV.{verb}.{name}.<id>: {len(by_id)} answers")
            {"PING": lambda d: (check_identity(d, "PING", name), ServicePing.from_dict(d)),
             "INFO": lambda d: check_info(d, name),
             "STATS": lambda d: check_stats(d, name)}[verb](by_id[0])
        seen[verb] = named
    return seen


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats", required=True, help="nats://127.0.0.1:PORT")
    args = parser.parse_args()

    nc = await nats.connect(args.nats, name="micro-peer (nats-py)")

    async def echo(request):
        await request.respond(request.data)

    async def fail(request):
        await request.respond_error("500", "always fails")

    service = await add_service(nc, name="py-echo", version="0.1.0",
                                description="nats-py echo service (scripts/micro_peer.py)",
                                metadata={"language": "python"})
    await service.add_endpoint(EndpointConfig(name="echo", subject="py.echo", handler=echo,
                                                     metadata={"replies": "the payload"}))
    await service.add_endpoint(EndpointConfig(name="fail", subject="py.fail", handler=fail,
                                                     metadata={"replies": "an error"}))

    async def on_check(msg):
        name = msg.data.decode(errors="replace")
        try:
            seen = await check_service(nc, name)
            reply = "ok " + json.dumps(seen)
        except Invalid as e:
            reply = f"error {e}"
        except Exception as e:  # from_dict raising on a missing key, a bad date, ...
            reply = f"error nats.micro could not read it: {type(e).__name__}: {e}"
        await msg.respond(reply.encode())

    await nc.subscribe("micro.check", cb=on_check)
    await nc.flush()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
