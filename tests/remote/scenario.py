#!/usr/bin/env python3
"""scenario.py — one key-management scenario, driven through the keydeck CLI.

Runs the same steps against whatever backend the environment selects (the
local keystore, or a remote profile) and prints one canonical line per step:
only what every backend reports, with ids and secrets replaced by stable
placeholders (<api1>, <key2>, ...).  conformance.sh runs it on two backends
and requires the two transcripts to be identical.

usage: scenario.py PHASE STATEFILE
  PHASE 1 runs at the pinned time; PHASE 2 runs two hours later (the caller
  restarts the server with the later KEYDECK_NOW) and checks expiry.  The state
  file carries ids and plaintext keys from phase 1 to phase 2 (a test
  scratch file, mode 0600).
Environment: KEYDECK (the binary), KEYDECK_ARGS (e.g. "--profile remote"),
and whatever keydeck itself reads (KEYDECK_CONFIG, KEYDECK_KEYSTORE,
KEYDECK_NOW, UNKEY_ROOT_KEY).
"""
import json
import os
import re
import shlex
import subprocess
import sys

KEYDECK = os.environ["KEYDECK"]
ARGS = shlex.split(os.environ.get("KEYDECK_ARGS", ""))
ID_RE = re.compile(r"\b(api|key|role|perm|rl)_[A-Za-z0-9]+\b")

placeholders = {}
counters = {}


def ph(value):
    """A stable name for an id, numbered by kind in order of first sight."""
    if value is None:
        return "-"
    if value not in placeholders:
        kind = value.split("_", 1)[0]
        counters[kind] = counters.get(kind, 0) + 1
        placeholders[value] = "<%s%d>" % (kind, counters[kind])
    return placeholders[value]


def scrub(text):
    return ID_RE.sub(lambda m: ph(m.group(0)), text)


def kd(*argv, stdin=None, ok=True):
    """Run keydeck --json ...; returns (exit status, parsed JSON or None, stderr)."""
    cmd = [KEYDECK, "--json", *ARGS, *argv]
    p = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    doc = None
    if p.stdout.strip():
        try:
            doc = json.loads(p.stdout)
        except ValueError:
            doc = None
    if ok and p.returncode != 0:
        sys.stderr.write("step failed: keydeck %s\n%s%s" % (" ".join(argv), p.stdout, p.stderr))
        sys.exit(1)
    return p.returncode, doc, p.stderr


def say(*parts):
    print(scrub(" ".join(str(p) for p in parts)), flush=True)


def credits_text(c):
    if not c or c.get("remaining") is None:
        return "unlimited"
    text = str(c["remaining"])
    r = c.get("refill")
    if r and r.get("interval") not in (None, "none"):
        text += " refill=%s:%s" % (r["interval"], r["amount"])
        if r.get("refillDay"):
            text += ":day%s" % r["refillDay"]
    return text


def key_line(k):
    limits = ",".join("%s/%s/%sms%s" % (r["name"], r["limit"], r.get("durationMs", r.get("duration")),
                                        "/auto" if r.get("autoApply") else "")
                      for r in sorted(k.get("ratelimits") or [], key=lambda r: r["name"]))
    return "name=%s owner=%s meta=%s enabled=%s expires=%s credits=%s limits=%s roles=%s perms=%s" % (
        k.get("name"), k.get("externalId"), json.dumps(k.get("meta"), sort_keys=True),
        k.get("enabled"), k.get("expires"), credits_text(k.get("credits")), limits or "-",
        ",".join(sorted(k.get("roles") or [])) or "-",
        ",".join(sorted(k.get("permissions") or [])) or "-")


def verify(label, key, *extra):
    status, doc, _ = kd("verify", *extra, stdin=key + "\n", ok=False)
    if doc is None:
        say("verify", label, "error exit", status)
        return None
    remaining = doc.get("credits")
    if isinstance(remaining, dict):
        remaining = remaining.get("remaining")
    say("verify", label, doc["code"], "valid=%s" % doc["valid"], "exit=%d" % status,
        "remaining=%s" % remaining)
    return doc


def get(label, key_id):
    status, doc, err = kd("keys", "get", key_id, ok=False)
    if status != 0:
        say("get", label, "exit=%d" % status)
    else:
        say("get", label, key_line(doc))
    return doc


def create_key(api, *argv):
    _, doc, _ = kd("keys", "create", "--api", api, *argv)
    return doc["keyId"], doc["key"]


def phase1(state):
    _, api, _ = kd("apis", "create", "--name", "payments")
    a = api["apiId"]
    say("api created", ph(a), "name=%s" % api["name"])
    _, got, _ = kd("apis", "get", a)
    say("api get", ph(got["apiId"]), "name=%s" % got["name"])

    for slug in ("docs.read", "docs.write", "billing.read"):
        _, p, _ = kd("perms", "create", "--slug", slug, "--name", slug.replace(".", " "))
        say("perm created", ph(p["permissionId"]), "slug=%s name=%s" % (p["slug"], p["name"]))
    _, r, _ = kd("roles", "create", "--name", "reader", "--description", "reads docs",
                 "--perms", "docs.read")
    say("role created", ph(r["roleId"]), "perms=%s" % ",".join(r["permissions"]))
    kd("roles", "create", "--name", "writer", "--perms", "docs.write")

    full, full_key = create_key(a, "--name", "ci", "--prefix", "sk_live", "--byte-length", "24",
                                "--owner", "user_1", "--meta", '{"team":"payments","tier":2}',
                                "--roles", "reader", "--perms", "billing.read",
                                "--expires", "30d", "--credits", "3",
                                "--refill", "monthly:31:100",
                                "--ratelimit", "requests:10:1m:auto",
                                "--ratelimit", "burst:5:1s", "--recoverable")
    # 24 random bytes are 32 or 33 base58 characters, by the value drawn.
    prefix, _, body = full_key.rpartition("_")
    say("key created", ph(full), "prefix=%s" % prefix,
        "base58=%s" % bool(re.fullmatch(r"[1-9A-HJ-NP-Za-km-z]+", body)),
        "length_ok=%s" % (31 <= len(body) <= 33))
    plain, plain_key = create_key(a, "--name", "plain")
    off, off_key = create_key(a, "--name", "off", "--disabled")
    short, short_key = create_key(a, "--name", "shortlived", "--expires", "1h")
    limited, limited_key = create_key(a, "--name", "limited", "--ratelimit", "tight:2:1m:auto")
    extra = [create_key(a, "--name", "page-%d" % i)[0] for i in range(3)]

    get("full", full)
    get("plain", plain)

    # Every page of two, following the cursor.
    cursor, pages, names = None, 0, []
    while True:
        argv = ["keys", "list", "--api", a, "--limit", "2"]
        if cursor:
            argv += ["--cursor", cursor]
        _, page, _ = kd(*argv)
        pages += 1
        names += [k.get("name") for k in page["items"]]
        cursor = page.get("cursor")
        if not cursor or pages > 10:
            break
    say("list", "pages=%d" % pages, "names=%s" % ",".join(sorted(names)))

    kd("keys", "update", plain, "--name", "plain-renamed", "--owner", "user_2",
       "--meta", '{"a":1}', "--expires", "7d")
    get("plain updated", plain)
    kd("keys", "update", plain, "--expires", "never")
    kd("keys", "update", plain, "--disable")
    verify("plain disabled", plain_key)
    kd("keys", "update", plain, "--enable")
    verify("plain enabled", plain_key)

    for step in (("set", "5"), ("add", "3"), ("sub", "10"), ("set", "unlimited")):
        _, c, _ = kd("keys", "credits", plain, *step)
        say("credits", *step, "->", credits_text(c.get("credits")))

    verify("full", full_key)
    verify("full perms", full_key, "--permissions", "docs.read AND (billing.read OR docs.write)")
    verify("full denied", full_key, "--permissions", "docs.write")
    verify("full burst", full_key, "--ratelimit", "burst")
    verify("full exhausted", full_key)
    for i in range(3):
        verify("limited %d" % i, limited_key)
    verify("unknown", "sk_live_" + "1" * 22)
    verify("off", off_key)

    kd("keys", "roles", plain, "add", "writer")
    get("plain +writer", plain)
    kd("keys", "roles", plain, "remove", "writer")
    kd("keys", "perms", plain, "add", "docs.read,billing.read")
    kd("keys", "perms", plain, "remove", "billing.read")
    get("plain perms", plain)
    kd("keys", "perms", plain, "set", "docs.write")
    kd("keys", "roles", plain, "set", "reader")
    get("plain set", plain)
    verify("plain via role", plain_key, "--permissions", "docs.read")

    kd("roles", "perms", "reader", "add", "billing.read")
    _, r, _ = kd("roles", "get", "reader")
    say("role reader", "perms=%s" % ",".join(sorted(r["permissions"])), "desc=%s" % r.get("description"))
    kd("roles", "perms", "reader", "remove", "billing.read")
    _, p, _ = kd("perms", "get", "docs.read")
    say("perm get", p["slug"], p["name"])

    _, sec, _ = kd("keys", "reroll", plain, "--grace", "0")
    verify("rerolled new", sec["key"])
    verify("rerolled old", plain_key)
    _, rev, _ = kd("keys", "reveal", full)
    say("reveal", "matches=%s" % (rev.get("key") == full_key))

    kd("keys", "delete", extra[0])
    get("deleted", extra[0])
    status, _, _ = kd("keys", "delete", extra[0], ok=False)
    say("delete again", "exit=%d" % status)
    status, _, _ = kd("keys", "create", "--api", a, "--prefix", "bad prefix!", ok=False)
    say("bad prefix", "exit=%d" % status)
    status, _, _ = kd("keys", "get", "key_doesnotexist1", ok=False)
    say("get unknown", "exit=%d" % status)

    state.update(api=a, short=short, short_key=short_key, full_key=full_key, extra=extra)


def phase2(state):
    verify("shortlived later", state["short_key"])
    verify("full later", state["full_key"])
    kd("keys", "delete", state["short"], "--permanent")
    get("short deleted", state["short"])
    kd("perms", "delete", "billing.read")
    status, _, _ = kd("perms", "get", "billing.read", ok=False)
    say("perm deleted", "exit=%d" % status)
    kd("roles", "delete", "writer")
    status, _, _ = kd("roles", "get", "writer", ok=False)
    say("role deleted", "exit=%d" % status)


def main():
    phase, statefile = sys.argv[1], sys.argv[2]
    state = {}
    if phase == "2":
        with open(statefile) as f:
            saved = json.load(f)
        state = saved["state"]
        placeholders.update(saved["placeholders"])
        counters.update(saved["counters"])
        phase2(state)
    else:
        phase1(state)
        fd = os.open(statefile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump({"state": state, "placeholders": placeholders, "counters": counters}, f)


if __name__ == "__main__":
    main()
