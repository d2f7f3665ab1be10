"""Start the portal on this machine: migrate, import the procedures, seed the demo, then run
web, worker and beat together in one terminal. One Ctrl-C stops all three.

Run it as ``make run`` (which first creates .venv and installs the requirements).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
HOST = os.environ.get("HOST", "127.0.0.1")
PORT = os.environ.get("PORT", "8000")
COLOURS = {"web": "\033[36m", "worker": "\033[33m", "beat": "\033[35m"}
RESET = "\033[0m"


def manage(*args: str, capture: bool = False) -> str:
    """Run a management command; stop here with its message if it fails."""
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, text=True, capture_output=capture, check=False)
    if result.returncode != 0:
        if capture:
            sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"manage.py {' '.join(args)} failed (exit {result.returncode}).")
    return result.stdout if capture else ""


def prepare() -> list[str]:
    """Migrate, import, seed; return the demo login lines to show."""
    print("Preparing the database (migrate, import_procedures, seed_demo)…", flush=True)
    manage("migrate", "--no-input", "-v", "0")
    manage("import_procedures", "--if-empty", capture=True)  # never over admins' edits
    output = manage("seed_demo", capture=True)
    var_dir = Path(os.environ.get("OPSPORTAL_VAR_DIR", ROOT / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    logins_file = var_dir / "demo-logins.txt"
    lines = output.splitlines()
    if "Demo logins" in output:
        start = next(index for index, line in enumerate(lines) if line.startswith("Demo logins"))
        logins = [line for line in lines[start + 1 :] if line.startswith("  ") and len(line.split()) >= 3][:4]
        logins_file.write_text("\n".join(logins) + "\n")
        logins_file.chmod(0o600)
    if logins_file.exists():
        return logins_file.read_text().splitlines()
    return [
        "  (demo users exist; their passwords were printed when first created — set DEMO_PASSWORD and run seed_demo to reset)"
    ]


def pump(name: str, stream: object) -> None:
    """Copy a process's output to the terminal, each line prefixed with its name."""
    colour = COLOURS.get(name, "") if sys.stdout.isatty() else ""
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        sys.stdout.write(f"{colour}{name:>6} |{RESET if colour else ''} {line}")
        sys.stdout.flush()


def main() -> int:
    os.chdir(ROOT)
    logins = prepare()
    commands = {
        "web": [PYTHON, "manage.py", "runserver", f"{HOST}:{PORT}", "--noreload"],
        "worker": [PYTHON, "-m", "celery", "-A", "opsportal", "worker", "--loglevel=INFO", "--pool=solo"],
        "beat": [PYTHON, "-m", "celery", "-A", "opsportal", "beat", "--loglevel=INFO"],
    }
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    processes: dict[str, subprocess.Popen[str]] = {}
    for name, command in commands.items():
        processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches this script only; it stops the children in order
        )  # fmt: skip
        threading.Thread(target=pump, args=(name, processes[name].stdout), daemon=True).start()

    print(f"\nOpsPortal is starting at http://{HOST}:{PORT}/  (Ctrl-C stops web, worker and beat)")
    print("Demo logins (role, username, password):")
    for line in logins:
        print(line)
    print(flush=True)

    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, process in processes.items():
            if process.poll() is not None:
                print(f"{name} exited with code {process.returncode}; stopping the others.", flush=True)
                exit_code = process.returncode or 1
                stopping = True
        time.sleep(0.3)

    print("Stopping web, worker and beat…", flush=True)
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
    print("Stopped.", flush=True)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
