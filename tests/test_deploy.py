"""Deployment: declared dependencies, the lock file, the wheel, the Dockerfile, compose, Kubernetes and systemd.

No Docker engine or cluster runs here, so the files are checked by what can be checked offline: the wheel is
really built and installed into a private folder and packages a Teams app from there; the Kubernetes
manifests are validated against the Kubernetes JSON schemas that `kubernetes-validate` ships; the compose
file against the compose-spec schema that `check-jsonschema` ships; the systemd units with
`systemd-analyze verify` when it runs here.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
import zipfile
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BOT_GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def _lock_module():
    spec = importlib.util.spec_from_file_location("deploy_lock", DEPLOY / "lock.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lock = _lock_module()


def _imported_top_level(package: Path) -> set[str]:
    """Top-level names of every absolute import in the package's modules."""
    names: set[str] = set()
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names - set(sys.stdlib_module_names) - {"__future__", "assistant"}


def _provided_by_declared() -> set[str]:
    """Canonical names of the declared requirements and of what their requested extras pull in."""
    provided: set[str] = set()
    for req in lock.declared():
        provided.add(canonicalize_name(req.name))
        if req.extras:
            for line in distribution(req.name).requires or []:
                extra_req = Requirement(line)
                if extra_req.marker and any(extra_req.marker.evaluate({"extra": e}) for e in req.extras):
                    provided.add(canonicalize_name(extra_req.name))
    return provided


def test_every_imported_package_is_declared():
    owners = packages_distributions()
    provided = _provided_by_declared()
    undeclared = []
    for module in sorted(_imported_top_level(ROOT / "assistant")):
        dists = {canonicalize_name(d) for d in owners.get(module, [])}
        assert dists, f"assistant/ imports {module}, which no installed distribution provides"
        if not dists & provided:
            undeclared.append(f"{module} ({', '.join(sorted(dists))})")
    assert not undeclared, f"imported by assistant/ but not in pyproject.toml's dependencies: {undeclared}"


def _lock_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version and " " not in line, f"not an exact pin: {line!r}"
            pins[canonicalize_name(name)] = version
    return pins


def test_lock_pins_every_runtime_dependency_and_nothing_for_cuda():
    pins = _lock_pins()
    closure = lock.runtime_closure()
    missing = sorted(set(closure) - set(pins))
    assert not missing, (f"requirements.lock lacks {missing}: after changing dependencies, regenerate it with "
                         "`python deploy/lock.py > requirements.lock` (make lock)")
    for req in lock.declared():
        assert req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True), \
            f"requirements.lock pins {req.name}=={pins[canonicalize_name(req.name)]}, outside {req}"
    assert pins["torch"] == "2.13.0"
    assert not [name for name in pins if name.startswith(("nvidia-", "triton", "cuda"))], "a CUDA package is locked"
    assert "policy-assistant" not in pins and "pytest" not in pins


def test_lock_generator_pins_installed_versions_without_local_labels():
    text = lock.lock_text({"torch": "2.13.0+cpu", "aiohttp": "3.9.0"})
    assert text.startswith("#") and text.endswith("aiohttp==3.9.0\ntorch==2.13.0\n")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from a copy of the sources (no build isolation: no network)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        (src / name).write_bytes((ROOT / name).read_bytes())
    subprocess.run(["cp", "-r", str(ROOT / "assistant"), str(src / "assistant")], check=True)
    for cache in (src / "assistant").rglob("__pycache__"):
        subprocess.run(["rm", "-rf", str(cache)], check=True)
    out = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--no-index", "-w", str(out), str(src)], check=True, capture_output=True, timeout=300)
    [built] = out.glob("policy_assistant-*.whl")
    return built


def test_wheel_ships_the_teams_template_and_nothing_else(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for template in ("manifest.json", "color.png", "outline.png"):
        assert f"assistant/data/teams/{template}" in names
    assert "assistant/cli.py" in names
    assert not [n for n in names if n.startswith(("tests/", "deploy/", "policy_corpus/", "index/"))]
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "policy-assistant = assistant.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_builds_the_teams_package_away_from_the_repo(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--target", str(site), str(wheel)], check=True, capture_output=True, timeout=300)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(site), "HF_HUB_OFFLINE": "1"}
    where = subprocess.run([sys.executable, "-c", "import assistant; print(assistant.__file__)"], cwd=work,
                           env=env, capture_output=True, text=True, check=True)
    assert where.stdout.strip().startswith(str(site)), "the installed wheel, not the repository, was imported"
    result = subprocess.run([sys.executable, "-m", "assistant", "teams-package", "--out", "teams.zip",
                             "--bot-id", BOT_GUID], cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(work / "teams.zip") as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        assert json.loads(zf.read("manifest.json"))["bots"][0]["botId"] == BOT_GUID


# ---------------------------------------------------------------------------------------------- Dockerfile


def dockerfile_stages(text: str) -> list[list[tuple[str, str]]]:
    """The Dockerfile as stages of (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    stages: list[list[tuple[str, str]]] = []
    logical = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        instruction, _, args = (logical + line).partition(" ")
        logical = ""
        if instruction.upper() == "FROM":
            stages.append([])
        assert stages or instruction.upper() == "ARG", f"{instruction} before the first FROM"
        if stages:
            stages[-1].append((instruction.upper(), " ".join(args.split())))
    assert not logical, "the Dockerfile ends inside a continued line"
    return stages


def _only(stage: list[tuple[str, str]], instruction: str) -> str:
    [args] = [a for i, a in stage if i == instruction]
    return args


def dockerignored(path: str, patterns: list[str]) -> bool:
    """Whether Docker leaves `path` out of the build context (last matching pattern wins, `!` lets back in)."""
    from fnmatch import fnmatch

    ignored = False
    parts = path.split("/")
    for pattern in patterns:
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").rstrip("/")
        bare = pattern.removeprefix("**/")
        prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
        if any(fnmatch(p, pattern) for p in prefixes) or (
                pattern.startswith("**/") and any(fnmatch(part, bare) for part in parts)):
            ignored = not negate
    return ignored


def test_dockerfile_builds_cpu_torch_locked_deps_and_a_real_install():
    build, final = dockerfile_stages((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    runs = [a for i, a in build if i == "RUN"]
    torch_at = next(n for n, r in enumerate(runs) if "torch==2.13.0" in r)
    assert "--index-url https://download.pytorch.org/whl/cpu" in runs[torch_at] and "--no-deps" in runs[torch_at]
    lock_at = next(n for n, r in enumerate(runs) if "-r /tmp/requirements.lock" in r)
    assert torch_at < lock_at and "--no-deps" in runs[lock_at], "CPU torch first, then the lock, nothing unpinned"
    wheel_run = next(r for r in runs if "pip wheel" in r)
    assert "policy_assistant-*.whl" in wheel_run and "pip check" in wheel_run
    assert not [r for r in runs if " -e " in f" {r} " or "--editable" in r], "the package is installed normally"
    assert any("policy-assistant index" in r and "policy-assistant ask" in r and "HF_HUB_OFFLINE=1" in r for r in runs)
    assert _only(final, "COPY") == "--from=build /opt/policy-assistant /opt/policy-assistant"


def test_dockerfile_runs_serve_offline_as_a_non_root_user_with_a_health_check():
    _, final = dockerfile_stages((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    user = _only(final, "USER")
    assert user.split(":")[0].isdigit() and int(user.split(":")[0]) >= 1000, "a numeric non-root uid (runAsNonRoot)"
    env = dict(item.split("=", 1) for i, a in final if i == "ENV" for item in a.split())
    assert env["HF_HUB_OFFLINE"] == "1" and env["TRANSFORMERS_OFFLINE"] == "1"
    assert json.loads(_only(final, "ENTRYPOINT")) == ["policy-assistant"]
    cmd = json.loads(_only(final, "CMD"))
    assert cmd[0] == "serve" and cmd[cmd.index("--host") + 1] == "0.0.0.0"
    port = cmd[cmd.index("--port") + 1]
    assert _only(final, "EXPOSE") == port
    options, _, probe = _only(final, "HEALTHCHECK").partition(" CMD ")
    assert "--interval=" in options and "--start-period=" in options
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(json.loads(probe))
    state = env["POLICY_ASSISTANT_HOME"]
    for name in ("POLICY_ASSISTANT_CORPUS_DIR", "POLICY_ASSISTANT_INDEX_DIR", "POLICY_ASSISTANT_DB_PATH"):
        assert env[name].startswith(state + "/"), f"{name} lies in the user's writable state folder"
    assert state in _only(final, "RUN") and "chown" in _only(final, "RUN") and "useradd" in _only(final, "RUN")


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    patterns = [line.strip() for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    copied = [a.split() for stage in dockerfile_stages((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
              for i, a in stage if i == "COPY" and not a.startswith("--from")]
    sources = [src for args in copied for src in args[:-1]]
    assert {"requirements.lock", "pyproject.toml", "assistant", "policy_corpus"} <= set(sources)
    for src in sources:
        assert (ROOT / src).exists(), f"COPY {src}: no such file in the repository"
        files = [p for p in (ROOT / src).rglob("*") if p.is_file()] if (ROOT / src).is_dir() else [ROOT / src]
        shipped = [f for f in files if not dockerignored(f.relative_to(ROOT).as_posix(), patterns)]
        assert shipped, f"COPY {src}: .dockerignore leaves it out of the build context"
    for secret in (".env", "index/manifest.json", "policy_assistant.db", ".venv/bin/python", ".git/HEAD",
                   "assistant/__pycache__/cli.cpython-311.pyc", "tests/test_deploy.py"):
        assert dockerignored(secret, patterns), f"{secret} would be sent to the Docker daemon"
    assert not dockerignored("assistant/data/teams/manifest.json", patterns)
