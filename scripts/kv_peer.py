#!/usr/bin/env python3
"""A nats-py Key-Value peer for the KV browser tests: another client of the same JetStream
server, over TCP, using nats-py's own `nats.js.kv`.

Requests (JSON bodies; every reply is JSON, `{"error": "<type>: <text>"}` when nats-py
raised):

    kvpeer.put     {"bucket", "key", "value"}        -> {"revision": n}
    kvpeer.put_later {"bucket", "key", "value", "delay", "count"} -> {"ok": true} at once;
                   after `delay` seconds it puts `value` under `<key>.0` .. `<key>.<count-1>`
                   (a failure is printed to stderr)
    kvpeer.get     {"bucket", "key"}                 -> an entry, or {"missing": true} when
                                                        nats-py finds no value (a deleted
                                                        or purged key too)
    kvpeer.delete  {"bucket", "key"}                 -> {"ok": true}
    kvpeer.history {"bucket", "key"}                 -> {"entries": [entry, ...]}
    kvpeer.watch   {"bucket", "filter", "id"}        -> {"ok": true}, once nats-py's watcher
                   has seen its initial values; from then on every entry it sees (the initial
                   ones and the updates) is published as JSON to `kvpeer.watched.<id>`, in
                   the order nats-py delivered them
    kvpeer.unwatch {"id"}                            -> {"ok": true}

An entry is {"key", "value" (UTF-8, lossy), "revision", "operation", "delta"}.

The peer reconnects forever (a test restarts its server), prints `ready` once subscribed,
and runs until it is killed (the test command stops it by PID).
"""

import argparse
import asyncio
import json
import sys

import nats
from nats.js.errors import KeyNotFoundError


def entry_json(entry):
    return {
        "key": entry.key,
        "value": (entry.value or b"").decode(errors="replace"),
        "revision": entry.revision,
        "operation": entry.operation or "PUT",
        "delta": entry.delta,
    }


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nats", required=True, help="nats://127.0.0.1:PORT")
    args = parser.parse_args()

    nc = await nats.connect(
        args.nats,
        name="kv-peer (nats-py)",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.1,
    )
    js = nc.jetstream()
    watchers = {}
    pending = set()  # put_later's tasks, kept from the garbage collector

    async def put(req):
        kv = await js.key_value(req["bucket"])
        return {"revision": await kv.put(req["key"], req["value"].encode())}

    async def get(req):
        kv = await js.key_value(req["bucket"])
        try:
            entry = await kv.get(req["key"])
        except KeyNotFoundError:  # KeyDeletedError is one too
            return {"missing": True}
        return entry_json(entry)

    async def put_later(req):
        """Puts `count` values (keys `<key>.<i>`) after `delay` seconds, answering at once:
        writes that arrive while the page is busy."""
        kv = await js.key_value(req["bucket"])

        async def later():
            await asyncio.sleep(req["delay"])
            for i in range(req["count"]):
                await kv.put(f"{req['key']}.{i}", req["value"].encode())

        task = asyncio.create_task(later())
        pending.add(task)
        task.add_done_callback(done_later)
        return {"ok": True}

    def done_later(task):
        pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            print(f"put_later failed: {task.exception()!r}", file=sys.stderr, flush=True)

    async def delete(req):
        kv = await js.key_value(req["bucket"])
        await kv.delete(req["key"])
        return {"ok": True}

    async def history(req):
        kv = await js.key_value(req["bucket"])
        return {"entries": [entry_json(e) for e in await kv.history(req["key"])]}

    async def watch(req):
        kv = await js.key_value(req["bucket"])
        watcher = await kv.watch(req.get("filter") or ">")
        subject = f"kvpeer.watched.{req['id']}"
        initial = asyncio.get_running_loop().create_future()

        async def forward():
            async for entry in watcher:
                if entry is None:  # nats-py's end of the initial values
                    if not initial.done():
                        initial.set_result(None)
                    continue
                await nc.publish(subject, json.dumps(entry_json(entry)).encode())

        watchers[req["id"]] = (watcher, asyncio.create_task(forward()))
        await asyncio.wait_for(initial, timeout=10)
        await nc.flush()
        return {"ok": True}

    async def unwatch(req):
        found = watchers.pop(req["id"], None)
        if found:
            watcher, task = found
            await watcher.stop()
            task.cancel()
        return {"ok": True}

    def handler(action):
        async def on_request(msg):
            try:
                reply = await action(json.loads(msg.data))
            except Exception as e:  # every failure goes back to the test, by type
                reply = {"error": f"{type(e).__name__}: {e}"}
            await msg.respond(json.dumps(reply).encode())

        return on_request

    for name, action in [
        ("put", put),
        ("put_later", put_later),
        ("get", get),
        ("delete", delete),
        ("history", history),
        ("watch", watch),
        ("unwatch", unwatch),
    ]:
        await nc.subscribe(f"kvpeer.{name}", cb=handler(action))
    await nc.flush()
    print("ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
