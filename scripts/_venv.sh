# Sourced by the other scripts: create or reuse .venv with Python 3.11+ and install requirements.
# Usage: . scripts/_venv.sh <requirements file>
set -euo pipefail
req="${1:-requirements.txt}"
pick_python() {
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 or newer is required" >&2; return 1
}
if [ ! -x .venv/bin/python ]; then
  "$(pick_python)" -m venv .venv
fi
stamp=".venv/.installed-$(basename "$req")"
if [ ! -f "$stamp" ] || [ -n "$(find requirements*.txt -newer "$stamp" 2>/dev/null)" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$req"
  touch "$stamp"
fi
# A development checkout gets a .env with DEBUG on (so manage.py works without a SECRET_KEY);
# production sets its own environment (see .env.example). Variables set in the environment win.
if [ ! -f .env ]; then
  printf '# Development checkout (written by scripts/_venv.sh). Production: see .env.example.\nDEBUG=1\n' > .env
fi
