"""`just publish` (Cloud Run) and `just publish-fly`, offline: the deploy directory each publisher builds, its
pinned versions, and the Dockerfile's own `datasette serve` command run from that directory on 127.0.0.1."""
from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import yaml

from conftest import JUST, ROOT, Served, free_port

VENV_BIN = Path(sys.executable).parent
STAND_IN_GCLOUD = """#!/bin/bash
# gcloud as `datasette publish cloudrun` calls it, with no Google account: log the call, keep the build directory
echo "$*" >> "$GCLOUD_LOG"
case "$1 $2" in
  "config get-value") echo jw-test-project ;;
  "builds submit") cp -r . "$GCLOUD_CAPTURE" ;;
esac
"""


def pyproject_pins() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return dict(dep.partition(";")[0].strip().split("==") for dep in deps)  # (an environment marker after ";")


def image_pins() -> dict[str, str]:
    """What the published image must install: Datasette and every Datasette plugin the archive uses, pinned."""
    pins = {name: version for name, version in pyproject_pins().items()
            if name.startswith("datasette") and not name.startswith("datasette-publish")}
    pins["datasette-leaflet"] = metadata.version("datasette-leaflet")  # datasette-cluster-map's map library
    return pins


def just(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([JUST, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result


def publish_args(sample_raw: Path, work: Path) -> list[str]:
    return ["--set", "raw", str(sample_raw), "--set", "db", str(work / "archive.db"),
            "--set", "publish_dir", str(work / "stage")]


def check_deploy_dir(deploy: Path) -> str:
    """The files a publisher hands to the cloud; returns the Dockerfile."""
    dockerfile = (deploy / "Dockerfile").read_text()
    install = re.search(r"^RUN pip install -U (.+)$", dockerfile, re.M).group(1).split()
    for name, version in image_pins().items():
        assert f"{name}=={version}" in install, f"{name} not pinned to {version}: {install}"
    assert "/app/project" in install  # the ingest package that plugins/ import
    assert (deploy / "project" / "pyproject.toml").read_text() == (ROOT / "pyproject.toml").read_text()
    assert (deploy / "project" / "ingest" / "store.py").exists()
    assert (deploy / "archive.db").stat().st_size > 0
    assert sorted(p.name for p in (deploy / "plugins").glob("*.py")) == sorted(p.name for p in (ROOT / "plugins").glob("*.py"))
    assert (deploy / "templates" / "index.html").exists()
    assert json.loads((deploy / "metadata.json").read_text())["databases"] == \
        yaml.safe_load((ROOT / "metadata.yml").read_text())["databases"]
    cmd = dockerfile.strip().splitlines()[-1]
    settings = just("--evaluate", "settings").stdout.strip()
    assert settings in cmd, "the published server must use the same settings as `just serve`"
    assert "-i archive.db" in cmd and "--inspect-file inspect-data.json" in cmd
    return dockerfile


class DockerCmd(Served):
    """The Dockerfile's RUN datasette inspect and CMD datasette serve, run in the deploy directory with this venv."""

    def __init__(self, deploy: Path, dockerfile: str):
        port = free_port()
        env = {**os.environ, "PATH": f"{VENV_BIN}:{os.environ['PATH']}"}
        inspect = re.search(r"^RUN (datasette inspect .+)$", dockerfile, re.M).group(1)
        subprocess.run(inspect, shell=True, cwd=deploy, env=env, check=True, timeout=60)
        cmd = dockerfile.strip().splitlines()[-1].removeprefix("CMD ")
        assert "--host 0.0.0.0" in cmd
        cmd = cmd.replace("--host 0.0.0.0", "--host 127.0.0.1").replace("$PORT", str(port))
        super().__init__(shlex.split(cmd), port, deploy.parent / f"{deploy.name}.log", cwd=deploy, env=env)


def check_served(deploy: Path, dockerfile: str, https: bool) -> None:
    server = DockerCmd(deploy, dockerfile)
    try:
        rows = server.get("/archive/articles.json?_search=Telefonat&_shape=objects").json()["rows"]
        assert [r["title"] for r in rows] == ["Trump telefoniert mit Putin: Einladung nach Moskau"]
        assert server.get("/-/versions.json").json()["datasette"]["version"] == pyproject_pins()["datasette"]
        settings = server.get("/-/settings.json").json()
        assert settings["sql_time_limit_ms"] == 3000 and settings["allow_download"] is False
        assert settings["force_https_urls"] is https
        assert [d["is_mutable"] for d in server.get("/-/databases.json").json()] == [False]
        plugins = {p["name"] for p in server.get("/-/plugins.json").json()}
        assert {"front_page.py", "datasette-cluster-map", "datasette-render-markdown", "datasette-atom"} <= plugins
        assert "2 articles</a></strong> from 2025" in server.get("/").text  # templates/ and plugins/ at work
        assert server.get("/archive/search.json?q=Telefonat").status_code == 200
        assert server.get("/archive.db").status_code in (403, 404)
        assert server.get("/project/pyproject.toml").status_code == 200  # the --static mount, as README says
    finally:
        server.stop()


def test_publish_fly_generates_a_deploy_dir_that_serves(sample_raw, tmp_path):
    deploy = tmp_path / "fly"
    just(*publish_args(sample_raw, tmp_path), "publish-fly", "jw-archiv-test", "--generate-dir", str(deploy))
    assert 'app = "jw-archiv-test"' in (deploy / "fly.toml").read_text()
    dockerfile = check_deploy_dir(deploy)
    check_served(deploy, dockerfile, https=True)


def test_publish_cloudrun_builds_and_deploys_a_dir_that_serves(sample_raw, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gcloud").write_text(STAND_IN_GCLOUD)
    (bin_dir / "gcloud").chmod(0o755)
    capture, log = tmp_path / "cloudrun", tmp_path / "gcloud.log"
    just(*publish_args(sample_raw, tmp_path), "publish", "jw-archiv-test",
         env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "GCLOUD_CAPTURE": str(capture), "GCLOUD_LOG": str(log)})
    calls = log.read_text().splitlines()
    image = "us-docker.pkg.dev/jw-test-project/datasette/datasette-jw-archiv-test"
    assert f"builds submit --tag {image}" in calls
    assert calls[-1].startswith(f"run deploy --allow-unauthenticated --platform=managed --image {image} jw-archiv-test")
    dockerfile = check_deploy_dir(capture)
    check_served(capture, dockerfile, https=True)


def test_plugins_import_only_what_the_image_installs():
    """A plugin importing a package the image lacks would serve here and crash in the cloud."""
    installed = _requirement_closure([*pyproject_pins(), *image_pins()])  # /app/project installs pyproject's
    by_module = metadata.packages_distributions()
    for plugin in (ROOT / "plugins").glob("*.py"):
        for node in ast.walk(ast.parse(plugin.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top == "ingest":  # ingest ships as /app/project
                    continue
                dists = {_norm(d) for d in by_module.get(top, [])}
                assert dists & installed, f"{plugin.name} imports {top}, which the published image does not install"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_closure(names: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = [_norm(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:  # a requirement for other Python versions, e.g. exceptiongroup
            continue
        for requirement in requirements:
            if "extra ==" in requirement:
                continue
            todo.append(_norm(re.match(r"[A-Za-z0-9._-]+", requirement).group(0)))
    return seen
