"""What an image is, read from its blobs in the content store: index, manifests, config.

``meta.db`` keeps an image's name, target descriptor and labels; what the
image *is* lives in the content store: the index (one manifest per platform),
each manifest (its config and layers, with sizes and media types), and the
config (the platform, when and by whom it was built, what it runs:
entrypoint, cmd, env, user, working dir, exposed ports, volumes, labels, stop
signal; the layers' diff IDs; and the history, each step's ``created_by``).

Every blob read is checked against its digest: one whose bytes no longer match
is reported as tampered or damaged, and not decoded.  A blob missing from the
store is reported as missing.  The walk is bounded: at most ``MAX_MANIFESTS``
manifests, nested indexes at most ``MAX_DEPTH`` deep, blobs of at most
``MAX_BLOB`` bytes decoded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from boltview.containerd.relations import content_role

MAX_MANIFESTS = 256  # descriptors visited in all: manifests and their configs
MAX_DEPTH = 4
MAX_BLOB = 4 << 20

#: The config fields ``docker inspect`` and ``ctr image inspect`` show, in their order.
CONFIG_FIELDS = ("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir",
                 "Labels", "StopSignal")  # fmt: skip

Blobs = Callable[[str], bytes | None]
"""Reads a blob by its digest (``sha256:...``); None when the store does not have it."""


def image_document(blobs: Blobs, target: dict[str, Any]) -> dict[str, Any]:
    """The image below ``target`` (a descriptor: mediaType, digest, size), decoded."""
    budget = [MAX_MANIFESTS]
    return _descriptor(blobs, target, 0, budget)


def _descriptor(blobs: Blobs, desc: dict[str, Any], depth: int, budget: list[int]) -> dict[str, Any]:
    budget[0] -= 1  # every descriptor visited counts, read or not
    media_type = str(desc.get("mediaType", ""))
    digest = str(desc.get("digest", ""))
    out: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": desc.get("size")}
    if isinstance(desc.get("platform"), dict):
        out["platform"] = desc["platform"]
    role = content_role(media_type)
    out["role"] = role
    if role not in ("index", "manifest", "config"):
        return out
    data, problem = read_verified(blobs, digest, desc.get("size"))
    if problem is not None:
        out["problem"] = problem
        return out
    assert data is not None
    try:
        document = json.loads(data)
    except ValueError as error:
        out["problem"] = f"not JSON: {error}"
        return out
    if not isinstance(document, dict):
        out["problem"] = "not a JSON object"
        return out
    if role == "index":
        out["manifests"] = _index(blobs, document, depth, budget)
    elif role == "manifest":
        config = document.get("config")
        layers = document.get("layers") or []
        out["config"] = _descriptor(blobs, config, depth + 1, budget) if isinstance(config, dict) else None
        out["layers"] = [_layer(layer) for layer in layers if isinstance(layer, dict)]
        out["total_size"] = (desc.get("size") or 0) + sum(
            int(d.get("size") or 0) for d in [config or {}, *layers] if isinstance(d, dict)
        )
        if document.get("annotations"):
            out["annotations"] = document["annotations"]
    else:
        out.update(config_facts(document))
    return out


def _index(blobs: Blobs, document: dict[str, Any], depth: int, budget: list[int]) -> list[Any]:
    manifests = [m for m in document.get("manifests") or [] if isinstance(m, dict)]
    if depth >= MAX_DEPTH:
        return [{"problem": f"indexes nested deeper than {MAX_DEPTH}: not followed"}]
    shown = []
    for position, manifest in enumerate(manifests):
        if budget[0] <= 0:
            shown.append({"problem": f"... {len(manifests) - position} more manifests not read"})
            break
        shown.append(_descriptor(blobs, manifest, depth + 1, budget))
    return shown


def _layer(desc: dict[str, Any]) -> dict[str, Any]:
    layer = {"mediaType": desc.get("mediaType"), "digest": desc.get("digest"), "size": desc.get("size")}
    if desc.get("annotations"):
        layer["annotations"] = desc["annotations"]
    return layer


def config_facts(config: dict[str, Any]) -> dict[str, Any]:
    """An image config's facts (the OCI image spec's field names)."""
    facts: dict[str, Any] = {
        key: config[key] for key in ("created", "author", "architecture", "variant", "os")
        if config.get(key) not in (None, "")
    }  # fmt: skip
    runs = config.get("config")
    if isinstance(runs, dict):
        facts["config"] = {key: runs[key] for key in CONFIG_FIELDS if runs.get(key) not in (None, "", [], {})}
    rootfs = config.get("rootfs")
    if isinstance(rootfs, dict):
        facts["diff_ids"] = list(rootfs.get("diff_ids") or [])
    history = config.get("history")
    if isinstance(history, list):
        facts["history"] = [
            {key: step[key] for key in ("created", "created_by", "author", "comment", "empty_layer")
             if key in step}
            for step in history if isinstance(step, dict)
        ]  # fmt: skip
    return facts


def read_verified(blobs: Blobs, digest: str, size: Any = None) -> tuple[bytes | None, str | None]:
    """A blob's bytes if they match their digest (and size), else None and why not."""
    algorithm, _, encoded = digest.partition(":")
    if algorithm != "sha256" or len(encoded) != 64:
        return None, f"digest {digest!r} is not a sha256 digest: not read"
    data = blobs(digest)
    if data is None:
        return None, "missing from the content store"
    actual = hashlib.sha256(data).hexdigest()
    if actual != encoded:
        return None, f"the blob's bytes do not match its digest (sha256:{actual}): tampered or damaged"
    if isinstance(size, int) and size != len(data):
        return None, f"the blob is {len(data)} bytes, its descriptor says {size}"
    if len(data) > MAX_BLOB:
        return None, f"{len(data)} bytes: larger than {MAX_BLOB} bytes, not decoded"
    return data, None


#: The most layer bytes hashed for one image in the browser (a node may hold GiB layers).
VERIFY_LIMIT = 512 << 20


def summary(
    blobs: Blobs,
    target: dict[str, Any],
    platform: tuple[str, str],
    matches: Callable[[str], bool | None],
) -> list[tuple[str, str]]:
    """An image in a few lines, for the browser: what it runs, when it was built, its layers.

    ``platform`` (os, architecture) picks the manifest of an index; ``matches``
    tells whether a layer blob's bytes still match its digest (None: not there).
    """
    document = image_document(blobs, target)
    manifest = document
    if document.get("role") == "index":
        manifests = [m for m in document.get("manifests", []) if m.get("role") == "manifest"]
        wanted = [m for m in manifests
                  if (m.get("platform") or {}).get("os") == platform[0]
                  and (m.get("platform") or {}).get("architecture") == platform[1]]  # fmt: skip
        manifest = (wanted or manifests or [document])[0]
    lines: list[tuple[str, str]] = []
    for item in (document, manifest, manifest.get("config") or {}):
        if item.get("problem"):
            lines.append(("blob", f"{item.get('digest')}: {item['problem']}"))
    config = manifest.get("config") or {}
    runs = config.get("config") or {}
    command = [*(runs.get("Entrypoint") or []), *(runs.get("Cmd") or [])]
    if command:
        lines.append(("runs", " ".join(command)))
    for key, label in (("User", "user"), ("WorkingDir", "workdir")):
        if runs.get(key):
            lines.append((label, str(runs[key])))
    if runs.get("Env"):
        lines.append(("env", ", ".join(runs["Env"])))
    if runs.get("ExposedPorts"):
        lines.append(("ports", ", ".join(sorted(runs["ExposedPorts"]))))
    built = config.get("created")
    if built:
        lines.append(("built", built + (f" by {config['author']}" if config.get("author") else "")))
    history = config.get("history") or []
    if history:
        last = next((h.get("created_by") for h in reversed(history) if h.get("created_by")), "")
        lines.append(("history", f"{len(history)} steps" + (f", last: {last}" if last else "")))
    layers = manifest.get("layers") or []
    if layers:
        lines.append(("layers", _verified(layers, matches)))
    return lines


def _verified(layers: list[dict[str, Any]], matches: Callable[[str], bool | None]) -> str:
    total = sum(int(layer.get("size") or 0) for layer in layers)
    head = f"{len(layers)}, {total} bytes"
    if total > VERIFY_LIMIT:
        return f"{head}; not hashed here (over {VERIFY_LIMIT >> 20} MiB: boltview scan checks them)"
    bad, gone = [], []
    for layer in layers:
        verdict = matches(str(layer.get("digest")))
        if verdict is None:
            gone.append(str(layer.get("digest")))
        elif not verdict:
            bad.append(str(layer.get("digest")))
    if bad:
        return f"{head}; {', '.join(bad)} does NOT match its digest: tampered or damaged"
    if gone:
        return f"{head}; {len(gone)} not in the content store"
    return f"{head}; every one matches its digest"
