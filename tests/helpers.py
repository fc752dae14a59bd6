"""Shared test helpers: fixed-seed signers, synthetic audio files, a CLI runner."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ledger import PublicKeyInfo, Signer
from verifier.format import SigningKey

ROOT = Path(__file__).resolve().parents[1]

#: Runs the verifier exactly as `python -m verifier` does, in the same process, then writes the
#: process's peak resident set (VmHWM of /proc/self/status) as "peak-rss-kb N" on stderr.
PEAK_RSS_VERIFIER = """
import runpy, sys
sys.argv = ["provenote-verify", *sys.argv[1:]]
try:
    runpy.run_module("verifier", run_name="__main__")
finally:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("peak-rss-kb " + line.split()[1] + "\\n")
"""


def fixed_signer(seed_byte: int, name: str = "alice", role: str = "creator") -> Signer:
    key = SigningKey(bytes([seed_byte]) * 32)
    return Signer(PublicKeyInfo(name, role, key.public_key), key)


def write_wav(path: Path, seconds: float, *, rate: int = 8000, channels: int = 1, bits: int = 16,
              fmt: str = "pcm", rf64: bool = False, seed: int = 0) -> Path:
    """A WAV file as DAWs write them: fmt 'pcm' (1), 'float' (3) or 'extensible' (0xFFFE)."""
    block = channels * bits // 8
    frames = round(seconds * rate)
    data = (bytes([seed % 251]) * block) * frames
    if fmt == "extensible":
        sub = (3 if bits == 32 else 1).to_bytes(2, "little") + bytes.fromhex("000000001000800000aa00389b71")
        fmt_chunk = struct.pack("<HHIIHHHHI", 0xFFFE, channels, rate, rate * block, block, bits, 22, bits, 4) + sub
    else:
        fmt_chunk = struct.pack("<HHIIHH", 3 if fmt == "float" else 1, channels, rate, rate * block, block, bits)
    chunks = b"fmt " + struct.pack("<I", len(fmt_chunk)) + fmt_chunk
    if rf64:
        ds64 = struct.pack("<QQQI", 0, len(data), frames, 0)
        body = b"WAVE" + b"ds64" + struct.pack("<I", len(ds64)) + ds64 + chunks
        body += b"data" + struct.pack("<I", 0xFFFFFFFF) + data
        path.write_bytes(b"RF64" + struct.pack("<I", 0xFFFFFFFF) + body)
    else:
        body = b"WAVE" + chunks + b"LIST" + struct.pack("<I", 5) + b"INFOx\x00"  # odd chunk + pad
        body += b"data" + struct.pack("<I", len(data)) + data
        path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return path


@dataclass
class Result:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """Runs ``provenote`` in a subprocess against one temporary ledger and key directory."""

    home: Path
    passphrase: str = "correct horse"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROVENOTE_")}
        env.update(PROVENOTE_LEDGER=str(self.home / "ledger"), PROVENOTE_KEYS=str(self.home / "keys"),
                   PROVENOTE_PASSPHRASE=self.passphrase, PYTHONPATH=str(ROOT))
        return env

    def __call__(self, *args: str, passphrase: str | None = None, module: str = "cli",
                 extra_env: dict[str, str] | None = None) -> Result:
        env = self.env
        if passphrase is not None:
            env["PROVENOTE_PASSPHRASE"] = passphrase
        env.update(extra_env or {})
        proc = subprocess.run([sys.executable, "-m", module, *args], cwd=self.home, env=env,
                              capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300)
        return Result(proc.returncode, proc.stdout, proc.stderr)


def assert_one_line_error(result: Result, code: int = 2, prog: str = "provenote") -> None:
    assert result.code == code, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith(f"{prog}: error: "), result.err
    assert "Traceback" not in result.err
