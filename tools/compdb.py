#!/usr/bin/env python3
"""Writes compile_commands.json for clangd from Bazel's action graph.

    bazel run //tools:compdb

Covers host and freestanding compiles (the latter through the transition),
with paths resolved against the execution root so clangd finds headers.
"""
import json
import os
import subprocess
import sys


def main():
    ws = os.environ.get("BUILD_WORKSPACE_DIRECTORY") or os.getcwd()
    os.chdir(ws)
    execroot = subprocess.check_output(["bazel", "info", "execution_root"],
                                       text=True,
                                       stderr=subprocess.DEVNULL).strip()
    out = subprocess.check_output(
        ["bazel", "aquery", "--output=jsonproto",
         'mnemonic("CppCompile", deps(//...))'],
        text=True, stderr=subprocess.DEVNULL)
    graph = json.loads(out)
    entries = []
    for action in graph.get("actions", []):
        args = action.get("arguments", [])
        src = None
        for i, a in enumerate(args):
            if a == "-c" and i + 1 < len(args):
                src = args[i + 1]
        if not src or src.startswith("external/"):
            continue
        cmd = list(args)
        cmd[0] = os.path.join(execroot, cmd[0])
        entries.append({"directory": execroot, "file": os.path.join(ws, src),
                        "arguments": cmd})
    with open(os.path.join(ws, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=1)
    print("compdb: wrote %d entries to %s/compile_commands.json"
          % (len(entries), ws))
    return 0


if __name__ == "__main__":
    sys.exit(main())
