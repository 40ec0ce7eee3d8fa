# Sourced by the GPU scripts (gpu_session.sh, gpu_train_check.sh) on the lent device machine, from the repository
# root: missing Python packages carried as wheels in .whl/ (installed with --no-deps into /tmp/site), the
# package from src/, an `oneshot-rlvr` command, and the versions in use.
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false
if compgen -G ".whl/*.whl" >/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || exit 1
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=$PWD/src${PYTHONPATH:+:$PYTHONPATH}
if ! command -v oneshot-rlvr >/dev/null; then
  mkdir -p /tmp/bin
  printf '#!/bin/sh\nexec python3 -m oneshot_rlvr.cli "$@"\n' >/tmp/bin/oneshot-rlvr
  chmod +x /tmp/bin/oneshot-rlvr
  export PATH=/tmp/bin:$PATH
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
python3 - <<'PY'
import importlib
for name in ("torch", "transformers", "trl", "accelerate", "datasets", "math_verify", "vllm"):
    try:
        module = importlib.import_module(name)
        print(f"{name} {getattr(module, '__version__', '?')}")
    except Exception as error:  # report and go on: each check says what it needs
        print(f"{name} missing ({type(error).__name__}: {error})")
PY
