"""The deploy/ recipes, checked offline: the Dockerfile passes hadolint, the compose file and the Prometheus files
are well-formed and say what the README says, and every setting they set is one the gateway has."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BINARY = os.environ.get("OLLAMA_POOL_BIN", str(ROOT / ".build" / "debug" / "ollama-pool"))


def settings():
    """The gateway's setting names, from the binary's own table."""
    table = subprocess.run([BINARY, "settings", "--markdown"], check=True, capture_output=True, text=True).stdout
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))


def hadolint():
    found = Path(sys.prefix) / "bin" / "hadolint"
    return str(found) if found.exists() else shutil.which("hadolint")


def test_dockerfile_passes_hadolint():
    result = subprocess.run([hadolint(), "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_is_not_a_rubber_stamp(tmp_path):
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM ubuntu\nRUN cd /tmp && apt-get install curl\nUSER root\nCMD curl localhost\n")
    assert subprocess.run([hadolint(), "--no-color", str(broken)], capture_output=True).returncode != 0


def test_compose_runs_two_gateways_on_one_postgres():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    gateways = {name: service for name, service in services.items() if name.startswith("gateway")}
    assert len(gateways) == 2
    postgres = services["postgres"]
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    known = settings()
    for name, gateway in gateways.items():
        assert gateway["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / gateway["build"]["context"] / "deploy" / "Dockerfile").exists()
        environment = gateway["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://pool:${POSTGRES_PASSWORD")
        assert "@postgres:5432/pool" in environment["DATABASE_URL"]
        # Shared secrets, from the one .env file.
        assert gateway["env_file"] == ".env"
        assert environment["ADMIN_TOKEN"].startswith("${ADMIN_TOKEN")
        assert environment["ENCRYPTION_KEY"].startswith("${ENCRYPTION_KEY")
        assert set(environment) <= known, set(environment) - known
        assert gateway["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert "/health/ready" in " ".join(gateway["healthcheck"]["test"])
        # Docker must not kill an instance before the delay and the grace are over.
        grace = int(gateway["stop_grace_period"].rstrip("s"))
        assert grace > int(environment["SHUTDOWN_DELAY_SECONDS"]) + int(environment["SHUTDOWN_GRACE_SECONDS"])
    published = [port for service in gateways.values() for port in service["ports"]]
    assert len(set(published)) == 2


def test_env_example_names_the_shared_secrets_and_real_settings():
    names = {line.split("=", 1)[0] for line in (DEPLOY / ".env.example").read_text().splitlines()
             if line and not line.startswith("#")}
    assert {"ADMIN_TOKEN", "ENCRYPTION_KEY", "POSTGRES_PASSWORD"} <= names
    assert names - {"POSTGRES_PASSWORD"} <= settings()


def test_systemd_unit_sets_only_real_settings():
    unit = (DEPLOY / "ollama-pool.service").read_text()
    names = set(re.findall(r"^Environment=([A-Z_]+)=", unit, re.MULTILINE))
    assert names and names <= settings()
    assert "sqlite:/var/lib/ollama-pool/" in unit


def test_prometheus_scrapes_metrics_with_a_token_file_and_loads_the_rules():
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    job = config["scrape_configs"][0]
    assert job["metrics_path"] == "/metrics"
    assert job["authorization"]["type"] == "Bearer"
    assert "credentials_file" in job["authorization"] and "credentials" not in job["authorization"]
    for rule_file in config["rule_files"]:
        rules = yaml.safe_load((DEPLOY / rule_file).read_text())
        alerts = [rule for group in rules["groups"] for rule in group["rules"]]
        assert len(alerts) >= 6
        for alert in alerts:
            assert alert["alert"] and alert["expr"].strip() and alert["annotations"]["summary"]


def test_dockerignore_keeps_build_output_and_secrets_out_of_the_context():
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    for pattern in [".build*", ".venv*", ".git", "deploy/.env"]:
        assert pattern in ignored
