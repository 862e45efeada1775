# ruff: noqa: S603, S607  (the tests build the wheel and run it as an installation would)
"""Packaging (docs/operations.md): the wheel built from the repository holds every
template, static file, compiled translation and migration, and Fokus runs from the
unpacked wheel alone (no checkout): its checks pass and its static files collect.
The container image (deploy/Containerfile) is built only where a container runtime
answers; `make test` runs it only then and says plainly in its summary when it did not."""

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the wheel must carry beside the Python modules (pyproject's package-data).
DATA = ("templates/", "static/", "locale/", "/migrations/")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    # Built from a copy of the repository's files, as a clean clone has them: a build in
    # the checkout would leave build/ there (whose stale files later builds pick up).
    source = tmp_path_factory.mktemp("source")
    listed = subprocess.run(["git", "ls-files", "pyproject.toml", "README.md", "LICENSE",
                             "fokus"], cwd=ROOT, check=True, capture_output=True,
                            text=True).stdout.split()
    for name in listed:
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
                    str(source)], check=True, capture_output=True, timeout=600)
    [built] = out.glob("fokus-*.whl")
    return built


def _tracked(patterns) -> set[str]:
    listed = subprocess.run(["git", "ls-files", "fokus"], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.split()
    return {p for p in listed if any(d in p for d in patterns) and (ROOT / p).exists()
            and not p.endswith((".po", ".pot"))}


def test_the_wheel_holds_templates_static_files_locale_and_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = _tracked(DATA)
    assert len(needed) > 100  # the check sees the files
    missing = sorted(needed - names)
    assert not missing, f"not in the wheel: {missing[:20]}"
    for must in ("fokus/templates/base.html", "fokus/locale/da/LC_MESSAGES/django.mo",
                 "fokus/static/fokus/fokus.css", "fokus/audit/migrations/0001_initial.py"):
        assert must in names
    # Nothing of the checkout's own: no tests, no data, no settings of a machine.
    assert not [n for n in names if n.startswith(("tests/", "var/", "deploy/", "tools/"))]
    assert not [n for n in names if n.endswith((".sqlite3", ".po~", ".pyc"))]


def test_fokus_runs_from_the_unpacked_wheel_alone(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("FOKUS_", "DJANGO_")) and k != "DATABASE_URL"}
    env.update(PYTHONPATH=str(site), FOKUS_DATA_DIR=str(tmp_path / "data"))
    where = subprocess.run([sys.executable, "-c", "import fokus; print(fokus.__file__)"],
                           env=env, cwd=tmp_path, check=True, capture_output=True, text=True)
    assert where.stdout.strip().startswith(str(site))  # not the checkout
    for command in (["check"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([sys.executable, "-m", "fokus", *command], env=env, cwd=tmp_path,
                       check=True, capture_output=True, timeout=300)
    assert (tmp_path / "data" / "static" / "fokus" / "fokus.css").exists()


def _runtime() -> str | None:
    for name in ("podman", "docker"):
        if shutil.which(name):
            answer = subprocess.run([name, "info"], capture_output=True, timeout=30)
            if answer.returncode == 0:
                return name
    return None


@pytest.mark.container  # `make test` runs it only where podman or docker answers
def test_the_container_image_builds_and_its_entry_point_answers():
    runtime = _runtime()
    assert runtime is not None, ("no container runtime answers (podman/docker): run this "
                                 "test only where one does (make test-container decides)")
    tag = "fokus-test:p3"
    subprocess.run([runtime, "build", "-f", "deploy/Containerfile", "-t", tag, "."], cwd=ROOT,
                   check=True, capture_output=True, timeout=1800)
    try:
        done = subprocess.run([runtime, "run", "--rm", "--read-only", "--entrypoint",
                               "gunicorn", tag, "--version"],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "gunicorn" in (done.stdout + done.stderr)
        user = subprocess.run([runtime, "run", "--rm", "--entrypoint", "id", tag, "-u"],
                              capture_output=True, text=True, timeout=120)
        assert user.stdout.strip() not in ("", "0")
    finally:
        subprocess.run([runtime, "rmi", "-f", tag], capture_output=True, timeout=120)


def _stub(bin_dir: Path, name: str, log: Path) -> None:
    script = bin_dir / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> "{log}"\n')
    script.chmod(0o755)


@pytest.mark.parametrize("args, expected", [
    ([], ["fokus collectstatic --noinput --clear -v0",
          "gunicorn -c /etc/fokus/gunicorn.conf.py --bind 0.0.0.0:8000"]),
    (["web", "--workers", "2"], ["fokus collectstatic --noinput --clear -v0",
                                 "gunicorn -c /etc/fokus/gunicorn.conf.py --bind 0.0.0.0:8000 "
                                 "--workers 2"]),
    (["worker"], ["fokus worker"]),
    (["audit", "verify"], ["fokus audit verify"]),
])
def test_the_images_entry_point_starts_web_worker_or_a_command(tmp_path, args, expected):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls"
    for name in ("fokus", "gunicorn"):
        _stub(bin_dir, name, log)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin"}
    subprocess.run(["sh", str(ROOT / "deploy/container-start.sh"), *args], env=env,
                   check=True, timeout=30)
    assert log.read_text().splitlines() == expected


def test_the_image_runs_the_wheel_as_a_user_with_data_its_only_volume():
    text = (ROOT / "deploy/Containerfile").read_text()
    lines = [line.strip() for line in text.splitlines() if not line.startswith("#")]
    assert any(line.startswith("FROM python:3.11-slim") for line in lines)
    assert "pip wheel" in text and "/wheels/fokus-*.whl" in text and " -e " not in text
    users = [line for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("USER root", "USER 0")
    assert 'VOLUME ["/data"]' in lines and "FOKUS_DATA_DIR=/data" in text
    assert 'ENTRYPOINT ["/usr/local/bin/fokus-start"]' in lines


def test_the_nginx_example_keeps_the_host_and_replaces_the_forwarded_headers():
    text = (ROOT / "deploy/nginx.conf").read_text()
    for line in ("listen 443 ssl;", "proxy_set_header Host $host;",
                 "proxy_set_header X-Forwarded-For $remote_addr;",
                 "proxy_set_header X-Forwarded-Proto $scheme;", "access_log off;",
                 "return 301 https://$host$request_uri;"):
        assert line in text
    assert "$proxy_add_x_forwarded_for" not in text  # would keep what the client forged
    assert "FOKUS_TRUSTED_PROXIES" in text
