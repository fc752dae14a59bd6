"""Command latency with and without the key agent (issue 12).

    python bench/cli.py [--quick]

In a fresh temporary home (keys, ledger, runtime directory), makes one key and one work, then
times, in each round and as a user runs them (the `provenote` script, a new process each time):
`provenote --version` (the start-up floor: Python, click and the imports), `provenote record note
WORK --as KEY --text hi` unlocking the key with PROVENOTE_PASSPHRASE (scrypt, about 0.4 s by design,
spec/keys.md), and the same command signing through a running agent with no passphrase in the
environment. A round runs the three one after the other, so each round's figures bracket the same
state of this shared machine; the results are the medians over the rounds (21, or 7 with --quick).
The last line is name=value pairs:
  version_s             median wall time of `provenote --version`
  record_passphrase_s   median wall time of `record note` unlocking with the passphrase
  record_agent_s        median wall time of `record note` through the agent (target: <= 0.3)
  record_agent_ratio    record_agent_s / version_s (1.0 = recording costs nothing over start-up)
  agent_speedup         record_passphrase_s / record_agent_s
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger import AGENT_SOCK_ENV

PASSPHRASE = "bench passphrase, long enough"


def provenote_command() -> list[str]:
    """The installed `provenote` script next to this Python (as a user runs it), else `-m cli`."""
    script = Path(sys.executable).with_name("provenote")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli"]


def wall_time(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="7 rounds instead of 21")
    rounds = 7 if parser.parse_args().quick else 21
    provenote = provenote_command()
    with tempfile.TemporaryDirectory(prefix="provenote-bench-cli-") as temp:
        home = Path(temp)
        runtime = home / "run"
        runtime.mkdir(mode=0o700)
        base = {k: v for k, v in os.environ.items() if not k.startswith("PROVENOTE_")}
        base.update(HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_RUNTIME_DIR=str(runtime))
        with_passphrase = {**base, "PROVENOTE_PASSPHRASE": PASSPHRASE}

        def run(*args: str, env: dict[str, str]) -> str:
            done = subprocess.run([*provenote, *args], env=env, cwd=home, check=True, capture_output=True,
                                  text=True, stdin=subprocess.DEVNULL)
            return done.stdout

        run("init", env=with_passphrase)
        run("key", "new", "mei", "--role", "composer", env=with_passphrase)
        work = json.loads(run("work", "new", "--title", "Bench cue", "--as", "mei", "--json",
                              env=with_passphrase))["work"]
        started = json.loads(run("agent", "start", "mei", "--json", env=with_passphrase))
        with_agent = {**base, AGENT_SOCK_ENV: started["socket"]}
        record = [*provenote, "record", "note", work, "--as", "mei", "--text", "hi"]
        times: dict[str, list[float]] = {"version": [], "passphrase": [], "agent": []}
        try:
            for _ in range(rounds):
                times["version"].append(wall_time([*provenote, "--version"], base, home))
                times["passphrase"].append(wall_time(record, with_passphrase, home))
                times["agent"].append(wall_time(record, with_agent, home))
        finally:
            run("agent", "stop", env=with_agent)
    version, passphrase, agent = (statistics.median(times[k]) for k in ("version", "passphrase", "agent"))
    print(f"{rounds} rounds; median wall time of each command (a new process each time)")
    print(f"  provenote --version                         {version:7.3f} s")
    print(f"  record note, key unlocked with passphrase   {passphrase:7.3f} s")
    print(f"  record note, signed through the agent       {agent:7.3f} s  (target <= 0.300 s)")
    print(f"  record with agent / --version               {agent / version:7.2f}")
    print(f"version_s={version:.3f} record_passphrase_s={passphrase:.3f} record_agent_s={agent:.3f} "
          f"record_agent_ratio={agent / version:.2f} agent_speedup={passphrase / agent:.2f}")


if __name__ == "__main__":
    main()
