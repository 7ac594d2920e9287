"""Runs the built binary and the fakes as a user would. Paths come from CTest's environment."""

import json
import os
import pathlib
import subprocess
import tempfile

import jsonschema

BINARY = os.environ.get("RELAYMETRY", "relaymetry")
SOURCE = pathlib.Path(os.environ.get("RELAYMETRY_SOURCE", pathlib.Path(__file__).resolve().parents[2]))
SCHEMA_DIR = SOURCE / "docs" / "schema"


def run(*args, stdin=None, env=None, timeout=60):
    """Runs relaymetry; returns the CompletedProcess (text mode)."""
    full_env = dict(os.environ)
    full_env.pop("NO_COLOR", None)
    if env:
        full_env.update(env)
    return subprocess.run([BINARY, *args], input=stdin, capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def json_lines(stdout):
    """Every stdout line must be one JSON object: nothing else may be on stdout."""
    return [json.loads(line) for line in stdout.splitlines()]


def validate(document, schema_name):
    schema = json.loads((SCHEMA_DIR / schema_name).read_text())
    jsonschema.validate(document, schema)


class Fake:
    """A fake server program (fake_dns, fake_smtp, fake_https) serving a JSON scenario on loopback.

    It prints `port N` when ready and stops when its stdin closes."""

    def __init__(self, variable, scenario):
        program = os.environ[variable]
        self._scenario = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
        json.dump(scenario, self._scenario)
        self._scenario.close()
        self._process = subprocess.Popen([program, self._scenario.name], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, text=True)
        # "ca_file PATH" first when the fake generated its own test PKI, then "port N".
        self.ca_file = None
        line = self._process.stdout.readline().split()
        if len(line) == 2 and line[0] == "ca_file":
            self.ca_file = line[1]
            line = self._process.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            self.stop()
            raise RuntimeError(f"{program} did not start: {line}")
        self.port = int(line[1])

    def stop(self):
        if self._process.poll() is None:
            self._process.stdin.close()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process.stdout.close()
        if not self._process.stdin.closed:
            self._process.stdin.close()
        os.unlink(self._scenario.name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
