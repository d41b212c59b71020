# Two commands set everything up: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: demo test install index eval teams-package bench lock image clean

# The runtime dependencies are held to requirements.lock, the versions the Docker image ships.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c requirements.lock -e '.[test]'
	touch $@

install: $(VENV)/.installed

index: install
	$(VENV)/bin/policy-assistant index

demo: index
	$(VENV)/bin/policy-assistant ask "Can I accept a friend request from a parent?"

test: index
	$(VENV)/bin/pytest -q

eval: install
	$(VENV)/bin/policy-assistant eval ../shared/eval/glenmere_dev.jsonl --corpus ../shared/eval/corpora/glenmere
	$(VENV)/bin/policy-assistant eval ../shared/eval/18f_dev.jsonl --corpus ../shared/eval/corpora/18f_handbook
	$(VENV)/bin/policy-assistant eval ../shared/eval/clef_handbook_dev.jsonl --corpus ../shared/eval/corpora/clef_handbook
	$(VENV)/bin/policy-assistant eval ../shared/eval/policyqa_dev.jsonl --corpus ../shared/eval/corpora/policyqa_dev

bench: install
	$(PIP) install --quiet -e '.[bench]'
	$(PY) benchmarks/run.py
	$(PY) benchmarks/bench_verified.py --json benchmarks/results/verified.json

teams-package: install
	$(VENV)/bin/policy-assistant teams-package --out dist/policy-assistant-teams.zip

# Re-pin requirements.lock to what is installed now (after changing dependencies in pyproject.toml:
# `$(PIP) install -e '.[test]'` first, then `make lock`, run the tests, commit both).
lock:
	$(PY) deploy/lock.py > requirements.lock.part && mv requirements.lock.part requirements.lock

# Needs a Docker engine (none on the development machines): see the README's "Deployment".
image:
	docker build -f deploy/Dockerfile -t policy-assistant:latest .

clean:
	rm -rf $(VENV) index .cache dist
