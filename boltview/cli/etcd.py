"""The etcd and Kubernetes verbs: ``etcd get|history|ls|info`` and ``k8s ls``.

::

    boltview etcd get member/snap/db /registry/pods/default/web-0 --rev 1234 -w json
    boltview etcd get db /registry/ --prefix             # every key under /registry/
    boltview etcd get db /app/config -w yaml             # the -w json document as YAML
    boltview etcd history db /app/config                 # every revision still in the file
    boltview etcd ls db /registry/                       # one level of the key space
    boltview etcd info db                                # meta, leases, members, alarms, auth
    boltview k8s ls db pods -n kube-system               # kubectl get's columns

``-w json`` is shaped like ``etcdctl get -w json``: a header with the store's
revision, then ``kvs`` with base64 keys and values, and fields that are zero
left out as etcdctl leaves them out.  A damaged file is answered with
what could be read, then one ``boltview: warning:`` line for each record
that could not, and exit 1.  The file is etcd's bbolt backend
(``member/snap/db``), read without etcd: ``--rev`` below the compacted
revision is refused as etcd refuses it.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from boltview.cli.options import (
    EXIT_PROBLEMS,
    UserError,
    console,
    open_db,
    print_json,
    print_table,
    read_options,
)
from boltview.errors import DecodeError
from boltview.render.json import no_del
from boltview.render.text import base64_text, escape, parse_name, show_text
from boltview.render.yaml import yaml_text
from boltview.stores.etcd import EtcdStore, KeyValue, Record, RevisionError, lease_hex

__all__ = ["etcd_group", "k8s_group"]


@contextmanager
def etcd_store(path: str, meta: int | None, snapshot: bool | None) -> Iterator[EtcdStore]:
    """The etcd backend at ``path``, or one line saying why it is not one."""
    with open_db(path, meta, snapshot) as db:
        try:
            store = EtcdStore(db)
        except DecodeError as error:
            raise UserError(f"{path}: {error}") from None
        try:
            yield store
        except RevisionError as error:
            raise UserError(f"{path}: {error}") from None
        if store.problems:  # answered with what could be read: say what could not
            for problem in store.problems:
                click.echo(f"boltview: warning: {escape(problem)}", err=True)
            sys.exit(EXIT_PROBLEMS)


def kv_json(kv: KeyValue) -> dict[str, Any]:
    """One key as etcdctl's ``-w json`` prints it: zero fields left out."""
    out: dict[str, Any] = {"key": base64_text(kv.key)}
    for name in ("create_revision", "mod_revision", "version"):
        if getattr(kv, name):
            out[name] = getattr(kv, name)
    if kv.value:
        out["value"] = base64_text(kv.value)
    if kv.lease:
        out["lease"] = kv.lease
    return out


def write_answer_json(revision: int, records: list[Record]) -> None:
    """``-w json`` as etcdctl writes it, ``{"header":...,"kvs":[...],"count":N}``, a key at a
    time, its value read then: the bytes of the whole document dumped at once, without
    it in memory (a prefix of a big etcd's keys is as big as their values)."""
    out = sys.stdout.buffer

    def dumps(value: Any) -> bytes:
        return no_del(json.dumps(value, separators=(",", ":"), ensure_ascii=True)).encode()

    header = dumps({"header": {"revision": revision}})
    if not records:
        out.write(header + b"\n")
        return
    out.write(header[:-1] + b',"kvs":[')
    for index, record in enumerate(records):
        kv = dumps(kv_json(record.kv))
        out.write(b"," + kv if index else kv)
    out.write(b'],"count":' + str(len(records)).encode() + b"}\n")
    out.flush()


def value_summary(kv: KeyValue, width: int = 120) -> str:
    """A value in one line: a Kubernetes object by kind and name, anything else as text."""
    if kv.key.startswith(b"/registry/"):
        from boltview.stores.kubernetes import decode_value

        value = decode_value(kv.value)
        if value.encoding == "encrypted":
            return escape(f"(encrypted: {value.provider}, key {value.key_name})")
        if value.error is None and value.kind:
            meta = value.metadata
            name = "/".join(str(meta[k]) for k in ("namespace", "name") if meta.get(k))
            return escape(f"{value.kind} {name} ({value.encoding})")
    return show_text(kv.value)[:width]


@click.group("etcd", context_settings={"help_option_names": ["-h", "--help"]})
def etcd_group() -> None:
    """Read etcd's backend file (member/snap/db) as etcdctl would answer."""


@etcd_group.command("get")
@click.argument("path")
@click.argument("key")
@click.option("--rev", type=int, default=0, help="As of this revision (0: the newest).")
@click.option("--prefix", is_flag=True, help="Every key that begins with KEY.")
@click.option(
    "-w",
    "--write-out",
    type=click.Choice(["simple", "json", "yaml"]),
    default="simple",
    help="simple: key and value lines, as etcdctl; json: etcdctl's -w json; yaml: the same "
    "document as YAML.",
)
@read_options
def get_command(path: str, key: str, rev: int, prefix: bool, write_out: str,
                meta: int | None, snapshot: bool | None) -> None:  # fmt: skip
    """Like etcdctl get KEY [--rev N] [--prefix]."""
    with etcd_store(path, meta, snapshot) as store:
        if write_out == "json":
            write_answer_json(*store.get_records(parse_name(key) if key else b"", rev, prefix))
            return
        answer = store.get(parse_name(key) if key else b"", rev, prefix=prefix)
        if write_out == "yaml":
            document: dict[str, Any] = {"header": {"revision": answer.revision}}
            if answer.kvs:
                document["kvs"] = [kv_json(kv) for kv in answer.kvs]
                document["count"] = len(answer.kvs)
            click.echo(yaml_text(document), nl=False)
            return
        for kv in answer.kvs:
            click.echo(show_text(kv.key))
            click.echo(show_text(kv.value))


@etcd_group.command("history")
@click.argument("path")
@click.argument("key")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@read_options
def history_command(path: str, key: str, as_json: bool,
                    meta: int | None, snapshot: bool | None) -> None:  # fmt: skip
    """Every revision of KEY still in the file, oldest first, deletes included."""
    with etcd_store(path, meta, snapshot) as store:
        records = store.history(parse_name(key))
        compacted = store.compacted_revision
        if as_json:
            print_json(
                {
                    "key": base64_text(parse_name(key)),
                    "compacted_revision": compacted,
                    "current_revision": store.current_revision,
                    "revisions": [
                        {
                            "revision": {"main": r.revision.main, "sub": r.revision.sub},
                            "tombstone": r.tombstone,
                            **({} if r.tombstone else kv_json(r.kv)),
                        }
                        for r in records
                    ],
                }
            )
            return
        out = console()
        if not records:
            out.print(f"{escape(key)}: no revision in the file", markup=False)
        for record in records:
            kv = record.kv
            if record.tombstone:
                line = f"{record.revision}  DELETE"
            else:
                line = (
                    f"{record.revision}  PUT  version {kv.version}  created {kv.create_revision}"
                    + (f"  lease {lease_hex(kv.lease)}" if kv.lease else "")
                    + f"  {value_summary(kv)}"
                )
            out.print(line, markup=False)
        if compacted:
            out.print(
                f"(compacted at revision {compacted}: revisions before it are gone, but for "
                "each key's newest one below it)",
                markup=False,
            )


@etcd_group.command("ls")
@click.argument("path")
@click.argument("prefix", required=False, default="")
@click.option("--rev", type=int, default=0, help="As of this revision (0: the newest).")
@read_options
def ls_command(path: str, prefix: str, rev: int, meta: int | None, snapshot: bool | None) -> None:
    """One level of the key space under PREFIX, as a tree by '/'."""
    with etcd_store(path, meta, snapshot) as store:
        for child, count, kv in store.children(parse_name(prefix), rev):
            shown = show_text(child)
            if kv is not None:
                history = len(store.history(kv.key))
                click.echo(f"{shown}  (rev {kv.mod_revision}, version {kv.version}, "
                           f"{history} in file)")  # fmt: skip
            if count:
                click.echo(f"{shown if kv is None else shown + '/'}  ({count} keys)")


@etcd_group.command("info")
@click.argument("path")
@read_options
def info_command(path: str, meta: int | None, snapshot: bool | None) -> None:
    """meta, leases (with keys), members, alarms, auth and cluster, as JSON."""
    with etcd_store(path, meta, snapshot) as store:
        m = store.meta
        document = {
            "revision": store.current_revision,
            "compacted_revision": store.compacted_revision,
            "meta": {
                "consistent_index": m.consistent_index,
                "term": m.term,
                "scheduled_compact_revision": m.scheduled_compact_revision,
                "finished_compact_revision": m.finished_compact_revision,
            },
            "leases": [
                {
                    "id": lease.hex_id,
                    "ttl": lease.ttl,
                    "remaining_ttl": lease.remaining_ttl,
                    "keys": [show_text(key) for key in lease.keys],
                }
                for lease in store.leases()
            ],
            "members": store.members(),
            "members_removed": store.members(removed=True),
            "alarms": store.alarms(),
            "auth": store.auth(),
            "cluster": store.cluster(),
            "snapshot_sha256": snapshot_json(store),
            "problems": store.problems,
        }
        print_json(document)


def snapshot_json(store: EtcdStore) -> dict[str, Any] | None:
    """A saved snapshot's trailer: the sha256 it holds and the one its bytes have."""
    found = store.snapshot_hash()
    if found is None:
        return None
    if not found.ok:
        store.problems.append(
            f"snapshot sha256 mismatch: the trailer says {found.stored}, the bytes hash to "
            f"{found.computed}"
        )
    return {"stored": found.stored, "computed": found.computed, "ok": found.ok}


@click.group("k8s", context_settings={"help_option_names": ["-h", "--help"]})
def k8s_group() -> None:
    """Kubernetes objects in etcd's backend file, as kubectl would list them."""


@k8s_group.command("ls")
@click.argument("path")
@click.argument("kind")
@click.option("-n", "--namespace", default=None, help="Only this namespace.")
@click.option("--rev", type=int, default=0, help="As of this revision (0: the newest).")
@click.option("--json", "as_json", is_flag=True, help="Each object decoded, as JSON.")
@read_options
def k8s_ls_command(path: str, kind: str, namespace: str | None, rev: int, as_json: bool,
                   meta: int | None, snapshot: bool | None) -> None:  # fmt: skip
    """Objects of KIND (pods, Pod, deploy, ...) with kubectl get's columns."""
    from boltview.stores.k8s_columns import columns_of, row_of
    from boltview.stores.kubernetes import key_namespace, list_objects

    with etcd_store(path, meta, snapshot) as store:
        objects = list_objects(store, kind, namespace, rev)
        if as_json:
            print_json([{"key": obj.key, **obj.value.to_json()} for obj in objects])
            return
        if not objects:
            where = f" in namespace {namespace}" if namespace else ""
            click.echo(f"No resources found{escape(where)}.", err=True)
            return
        now = time.time()
        readable = [obj for obj in objects if obj.value.kind and obj.value.error is None]
        first = (readable or objects)[0].value
        headers = columns_of(first)
        rows = []
        for obj in objects:
            cells = row_of(obj.value, now) if obj.value.error is None else None
            if cells is None or len(cells) != len(headers) or obj.value.encoding == "encrypted":
                note = (f"(encrypted: {obj.value.provider} key {obj.value.key_name})"
                        if obj.value.encoding == "encrypted" else f"({obj.value.kind or 'unreadable'})")  # fmt: skip
                cells = [""] * (len(headers) - 1) + [note]
            rows.append((obj.namespace or key_namespace(obj), obj.name, *cells))
        cluster_scoped = all(not row[0] for row in rows)
        header = ("NAMESPACE", "NAME", *headers)
        named = first.kind != "Event"  # kubectl lists events by what they are about
        shown = [i for i in range(len(header)) if (i or not cluster_scoped) and (i != 1 or named)]
        print_table([header[i] for i in shown], [[row[i] for i in shown] for row in rows], gap="   ")
