"""The MeshFS resolve/write routes of examples/meshfs.aura in FastAPI, the seeds' own stack.

Data lives in a dict (in memory, nothing persisted): the cheapest store Python has, so the
comparison favours uvicorn (aura serve reads redb on every resolve).
"""

from fastapi import FastAPI, Request

app = FastAPI()
store = {}


def is_pointer(p):
    return isinstance(p, str) and len(p.strip()) > 0


def fail(message):
    return {"status": "error", "message": message}


@app.post("/api/v2/meshfs/write")
async def write(request: Request):
    try:
        body = await request.json()
    except ValueError:
        body = None
    pointer = data = None
    if isinstance(body, dict):
        pointer = body.get("pointer")
        data = body.get("data")
        if data is None:
            data = body.get("content")
    if not is_pointer(pointer):
        return fail("missing pointer")
    if data is None:
        return fail("missing data")
    store[pointer] = data
    return {"status": "success", "pointer": pointer}


@app.get("/api/v2/meshfs/resolve")
async def resolve(pointer: str | None = None):
    if not is_pointer(pointer):
        return fail("missing pointer")
    data = store.get(pointer)
    if data is None:
        return fail("pointer not found")
    return {"status": "success", "pointer": pointer, "data": data}
