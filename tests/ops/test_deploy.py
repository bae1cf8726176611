"""deploy/ cannot be built here (no image registry); what can be checked without Docker is: the
compose file is valid YAML whose mounts exist, and Prometheus scrapes the port paymux's metrics
listener binds. (That the dashboard asks only for series paymux serves is checked against a real
scrape in test_metrics.)"""

from __future__ import annotations

from pathlib import Path

import yaml

DEPLOY = Path(__file__).parents[2] / "deploy"


def test_compose_mounts_exist_and_prometheus_scrapes_the_metrics_listener() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "paymux", "prometheus", "grafana"}
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source
    assert (DEPLOY / services["paymux"]["build"]["context"] / services["paymux"]["build"]["dockerfile"]).exists()
    bind_port = services["paymux"]["environment"]["PAYMUX_METRICS_BIND"].rsplit(":", 1)[1]
    scrape = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    assert scrape["scrape_configs"][0]["static_configs"][0]["targets"] == [f"paymux:{bind_port}"]
    assert "9100" not in str(services["paymux"].get("ports"))  # metrics stay on the compose network
