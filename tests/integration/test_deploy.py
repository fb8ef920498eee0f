"""deploy/ checked with real tools (issue 10 part 7):

- the systemd units with `systemd-analyze verify` (any warning fails) and
  `systemd-analyze security --offline` (exposure at most 2.0 of 10), with
  ExecStart pointed at the kilnd under test;
- the unit's own ExecStart command line run for real (the binary and the
  directories systemd would make substituted), under a real $NOTIFY_SOCKET,
  with a client compiling through it, then ExecReload and a SIGTERM stop;
- the Prometheus rules: promtool is in Debian only inside the 96 MB
  `prometheus` server package, so the rule files are checked here instead:
  the file's structure as promtool reads it, every expr parsed by a real
  PromQL parser (pip `promql-parser`, the Rust parser of GreptimeDB), and
  every metric one that kilnd exports (the metrics contract below);
- the Kubernetes manifests against the Kubernetes JSON schemas (pip
  `kubernetes-validate`, strict: unknown fields fail; kubeconform is not in
  Debian) and the ServiceMonitor, a CRD, against a vendored schema of the
  fields it uses;
- the Grafana dashboard: JSON, unique panel ids, the panels the issue asks
  for, every expr parsed and naming only contract metrics.
"""

import copy
import glob
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import ROOT

DEPLOY = os.path.join(ROOT, "deploy")

# The metric names kilnd exports (the contract between the metrics, service
# and redis-l2 work; docs/operations.md lists them with their labels).
# Histograms add _bucket, _sum and _count.
CONTRACT_METRICS = {
    "kiln_build_info", "kiln_requests_total", "kiln_compile_duration_seconds", "kiln_cache_lookups_total",
    "kiln_cache_evictions_total", "kiln_cache_corrupt_values_total", "kiln_cache_bytes", "kiln_cache_entries",
    "kiln_cache_read_only", "kiln_single_flight_waits_total", "kiln_compile_queue_depth", "kiln_compiles_in_flight",
    "kiln_compiles_total", "kiln_received_bytes_total", "kiln_sent_bytes_total", "kiln_shared_tier_errors_total",
    "kiln_shared_tier_up", "kiln_draining",
    # gpu: the GPU pool (absent without --gpu-pool)
    "kiln_gpu_launches_total", "kiln_gpu_worker_restarts_total", "kiln_gpu_modules_total",
}
HISTOGRAMS = {"kiln_compile_duration_seconds"}
# Prometheus' own: up{} for a target that cannot be scraped.
PROMETHEUS_METRICS = {"up"}


def tool(name):
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"needs {name} (scripts/setup.sh installs it)")
    return path


def python_module(name):
    try:
        return __import__(name)
    except ImportError:
        pytest.skip(f"needs the Python package for {name} (scripts/setup.sh installs it)")


# ------------------------------------------------------------------ systemd

def unit_with_binary(tmp_path, name, kilnd_binary):
    text = open(os.path.join(DEPLOY, "systemd", name)).read()
    path = tmp_path / name
    path.write_text(text.replace("/usr/bin/kilnd", kilnd_binary))
    return path


def test_systemd_units_verify_without_warnings(kilnd_binary, tmp_path):
    analyze = tool("systemd-analyze")
    units = [unit_with_binary(tmp_path, "kilnd.service", kilnd_binary),
             unit_with_binary(tmp_path, "kilnd.socket", kilnd_binary)]
    dropin = tmp_path / "kilnd.service.d"
    dropin.mkdir()
    shutil.copy(os.path.join(DEPLOY, "systemd", "kilnd.service.d", "tls.conf"), dropin / "tls.conf")
    (dropin / "tls.conf").write_text((dropin / "tls.conf").read_text().replace("/usr/bin/kilnd", kilnd_binary))
    r = subprocess.run([analyze, "verify", "--man=no", *map(str, units)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stderr
    # The checker has teeth: a misspelled setting is reported.
    bad = tmp_path / "bad.service"
    bad.write_text(units[0].read_text().replace("NoNewPrivileges=yes", "NoNewPrivileges=yes\nNoNewPrivilege=yes"))
    r = subprocess.run([analyze, "verify", "--man=no", str(bad)], capture_output=True, text=True, timeout=60)
    assert "Unknown key 'NoNewPrivilege'" in r.stderr, r.stderr


def test_systemd_unit_is_hardened(kilnd_binary, tmp_path):
    analyze = tool("systemd-analyze")
    unit = unit_with_binary(tmp_path, "kilnd.service", kilnd_binary)
    text = unit.read_text()
    for setting in ["Type=notify", "DynamicUser=yes", "StateDirectory=kiln", "ProtectSystem=strict",
                    "NoNewPrivileges=yes", "ExecReload=/bin/kill -HUP $MAINPID", "CapabilityBoundingSet=\n"]:
        assert setting in text, setting
    r = subprocess.run([analyze, "security", "--offline=true", "--threshold=20", "--no-pager", str(unit)],
                       capture_output=True, text=True, timeout=60)
    m = re.search(r"Overall exposure level for kilnd.service: ([0-9.]+)", r.stdout)
    assert m and r.returncode == 0, r.stdout + r.stderr
    assert float(m.group(1)) <= 2.0, m.group(0)


def exec_line(text, key):
    lines = [line for line in text.splitlines() if line.startswith(key + "=")]
    assert len(lines) == 1, lines
    return lines[0].split("=", 1)[1]


def test_the_units_execstart_runs_for_real(kilnd_binary, tmp_path, monkeypatch):
    """What systemd would run: ExecStart with the state and runtime
    directories made as systemd makes them, the shipped config file, a
    datagram socket as $NOTIFY_SOCKET; a client compiles through it; then
    ExecReload and a stop."""
    unit = open(os.path.join(DEPLOY, "systemd", "kilnd.service")).read()
    state = tmp_path / "var-lib-kiln"
    runtime = tmp_path / "run-kilnd"
    for d in (state, runtime):
        d.mkdir(mode=0o700)
    env = dict(os.environ, STATE_DIRECTORY=str(state), RUNTIME_DIRECTORY=str(runtime))
    command = exec_line(unit, "ExecStart")
    command = command.replace("${STATE_DIRECTORY}", str(state)).replace("${RUNTIME_DIRECTORY}", str(runtime))
    command = command.replace("/etc/kiln/kilnd.conf", os.path.join(DEPLOY, "systemd", "kilnd.conf"))
    argv = shlex.split(command)
    assert argv[0] == "/usr/bin/kilnd"
    argv[0] = kilnd_binary
    notify_path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(str(notify_path))
        notify.settimeout(30)
        env["NOTIFY_SOCKET"] = str(notify_path)
        log_path = tmp_path / "kilnd.log"
        with open(log_path, "w") as log:
            proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    preexec_fn=lambda: os.umask(0o077))  # UMask=0077
        try:
            def message():
                data = notify.recv(4096).decode()
                return dict(line.split("=", 1) for line in data.split("\n") if line)

            ready = message()
            assert ready["READY"] == "1" and ready["MAINPID"] == str(proc.pid), ready
            sock = runtime / "kilnd.sock"
            assert ready["STATUS"] == f"serving on unix:{sock}"
            # The shipped config asks for JSON lines.
            lines = [json.loads(line) for line in log_path.read_text().splitlines()]
            assert any("serving on" in line["msg"] for line in lines), lines
            assert os.path.isdir(state / "cache.db")

            monkeypatch.setenv("KILN_SERVER", f"unix:{sock}")
            import kiln

            @kiln.jit
            def hypot2(x, y):
                return x * x + y * y

            assert hypot2(3, 4) == 25
            assert hypot2(1.5, 2.0) == 1.5 * 1.5 + 2.0 * 2.0

            reload = exec_line(unit, "ExecReload").replace("$MAINPID", str(proc.pid))
            subprocess.run(shlex.split(reload), check=True, timeout=10)
            assert message()["RELOADING"] == "1"
            assert message()["READY"] == "1"

            proc.send_signal(signal.SIGTERM)  # KillSignal=SIGTERM
            assert message()["STOPPING"] == "1"
            assert proc.wait(timeout=30) == 0, log_path.read_text()
            assert not sock.exists()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def test_socket_activation_as_the_socket_unit_sets_it_up(kilnd_binary, tmp_path, monkeypatch):
    """kilnd.socket's ListenStream, made by systemd's own
    systemd-socket-activate, handed to the unit's ExecStart: a client
    compiles through it; its peers may compile but not shut the server down
    (no token), while kilnd's own socket may."""
    import grpc

    activate = tool("systemd-socket-activate")
    sock_unit = open(os.path.join(DEPLOY, "systemd", "kilnd.socket")).read()
    listen = exec_line(sock_unit, "ListenStream")
    assert listen == "/run/kiln/kilnd.sock"
    assert exec_line(sock_unit, "SocketMode") == "0660" and exec_line(sock_unit, "Accept") == "no"
    unit = open(os.path.join(DEPLOY, "systemd", "kilnd.service")).read()
    state, runtime, public = tmp_path / "state", tmp_path / "run-kilnd", tmp_path / "run-kiln"
    for d in (state, runtime, public):
        d.mkdir(mode=0o700)
    command = exec_line(unit, "ExecStart").replace("${STATE_DIRECTORY}", str(state))
    command = command.replace("${RUNTIME_DIRECTORY}", str(runtime))
    command = command.replace("/etc/kiln/kilnd.conf", os.path.join(DEPLOY, "systemd", "kilnd.conf"))
    argv = shlex.split(command)
    argv[0] = kilnd_binary
    public_sock = public / "kilnd.sock"
    log_path = tmp_path / "kilnd.log"
    with open(log_path, "w") as log:
        # Without --accept it execs kilnd in its own process on the first
        # connection, with the listening socket as fd 3 and LISTEN_PID set.
        proc = subprocess.Popen([activate, "-l", str(public_sock), *argv], stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while not public_sock.exists():
            assert time.monotonic() < deadline and proc.poll() is None, log_path.read_text()
            time.sleep(0.02)
        monkeypatch.setenv("KILN_SERVER", f"unix:{public_sock}")
        import kiln

        @kiln.jit
        def poly(x):
            return 3 * x * x - 2 * x + 7

        assert poly(5) == 72
        assert poly(-1.5) == 3 * 2.25 + 3 + 7
        assert "fd:3 (socket-activated)" in log_path.read_text()

        def shutdown(target):
            call = grpc.insecure_channel(target).unary_unary(
                "/kiln.v1.Kiln/Shutdown", request_serializer=lambda _: b"", response_deserializer=lambda b: b)
            try:
                call(None, timeout=20)
                return grpc.StatusCode.OK
            except grpc.RpcError as e:
                return e.code()

        assert shutdown(f"unix:{public_sock}") == grpc.StatusCode.PERMISSION_DENIED
        assert proc.poll() is None
        assert shutdown(f"unix:{runtime / 'kilnd.sock'}") == grpc.StatusCode.OK
        assert proc.wait(timeout=30) == 0, log_path.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --------------------------------------------------------------- Prometheus

def metric_names(expr):
    """The metric names an expression selects, from its parse tree."""
    promql_parser = python_module("promql_parser")
    names = []

    def visit(node):
        if isinstance(node, promql_parser.VectorSelector):
            names.append(node.name)
            assert node.name, f"a selector without a metric name in {expr!r}"
        elif isinstance(node, promql_parser.MatrixSelector):
            visit(node.vector_selector)
        elif isinstance(node, promql_parser.Call):
            for a in node.args:
                visit(a)
        elif isinstance(node, promql_parser.AggregateExpr):
            visit(node.expr)
            if node.param is not None:
                visit(node.param)
        elif isinstance(node, promql_parser.BinaryExpr):
            visit(node.lhs)
            visit(node.rhs)
        elif isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
            visit(node.expr)
        elif isinstance(node, (promql_parser.NumberLiteral, promql_parser.StringLiteral)):
            pass
        else:
            raise AssertionError(f"unexpected PromQL node {type(node).__name__} in {expr!r}")

    visit(promql_parser.parse(expr))
    return names


def contract_metric(name):
    for h in HISTOGRAMS:
        if name in (h + "_bucket", h + "_sum", h + "_count"):
            return True
    return name in CONTRACT_METRICS and name not in HISTOGRAMS


def test_alert_rules_parse_and_use_only_exported_metrics():
    yaml = python_module("yaml")
    files = glob.glob(os.path.join(DEPLOY, "prometheus", "*.yaml"))
    assert files
    alerts = set()
    for f in files:
        doc = yaml.safe_load(open(f))
        assert set(doc) == {"groups"}, f
        group_names = [g["name"] for g in doc["groups"]]
        assert len(group_names) == len(set(group_names)), group_names
        for g in doc["groups"]:
            assert set(g) <= {"name", "interval", "rules", "limit"}, g.keys()
            for rule in g["rules"]:
                assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, rule
                assert rule["alert"] not in alerts, rule["alert"]
                alerts.add(rule["alert"])
                assert re.fullmatch(r"[A-Z][A-Za-z0-9]+", rule["alert"])
                assert rule["labels"]["severity"] in ("critical", "warning", "info"), rule
                assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule
                if "for" in rule:
                    assert re.fullmatch(r"\d+[smhd]", rule["for"]), rule["for"]
                for name in metric_names(rule["expr"]):
                    assert contract_metric(name) or name in PROMETHEUS_METRICS, (rule["alert"], name)
                # Templates in annotations are balanced.
                for text in rule["annotations"].values():
                    assert text.count("{{") == text.count("}}"), text
    # The alerts an operator needs first.
    assert {"KilnDown", "KilnCacheReadOnly", "KilnSharedTierDown", "KilnInternalCompileErrors",
            "KilnCompileQueueBacklog"} <= alerts


def test_metric_check_has_teeth():
    assert metric_names('sum(rate(kiln_requests_total{code!="OK"}[5m])) / sum(rate(kiln_requests_total[5m]))') == \
        ["kiln_requests_total", "kiln_requests_total"]
    assert not contract_metric("kiln_request_total")
    assert not contract_metric("kiln_compile_duration_seconds")  # a histogram is read by its series
    assert contract_metric("kiln_compile_duration_seconds_bucket")
    promql_parser = python_module("promql_parser")
    with pytest.raises(Exception):
        promql_parser.parse("sum(rate(kiln_requests_total[5m])")


# --------------------------------------------------------------- Kubernetes

SERVICE_MONITOR_SCHEMA = {
    # The fields of monitoring.coreos.com/v1 ServiceMonitor that
    # servicemonitor.yaml uses, as the Prometheus Operator's CRD defines them.
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "additionalProperties": False,
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "kind": {"const": "ServiceMonitor"},
        "metadata": {
            "type": "object",
            "required": ["name"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
                "namespace": {"type": "string"},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "spec": {
            "type": "object",
            "required": ["selector", "endpoints"],
            "additionalProperties": False,
            "properties": {
                "selector": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"matchLabels": {"type": "object", "additionalProperties": {"type": "string"}}},
                },
                "namespaceSelector": {"type": "object"},
                "endpoints": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "properties": {
                            "port": {"type": "string"},
                            "path": {"type": "string", "pattern": "^/"},
                            "scheme": {"enum": ["http", "https"]},
                            "interval": {"type": "string", "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"},
                            "scrapeTimeout": {"type": "string", "pattern": "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"},
                        },
                    },
                },
            },
        },
    },
}


def manifests():
    yaml = python_module("yaml")
    out = []
    for f in sorted(glob.glob(os.path.join(DEPLOY, "kubernetes", "*.yaml"))):
        for doc in yaml.safe_load_all(open(f)):
            if doc is not None:
                out.append((os.path.basename(f), doc))
    return out


def validate_k8s(doc):
    kv = python_module("kubernetes_validate")
    kv.validate(doc, "1.30", strict=True)


def test_kubernetes_manifests_match_their_schemas():
    jsonschema = python_module("jsonschema")
    kinds = {}
    for name, doc in manifests():
        kinds.setdefault(doc["kind"], []).append(doc["metadata"]["name"])
        if doc["apiVersion"] == "monitoring.coreos.com/v1":
            jsonschema.validate(doc, SERVICE_MONITOR_SCHEMA)
        else:
            validate_k8s(doc)
    assert {"Deployment", "Service", "ConfigMap", "HorizontalPodAutoscaler", "PodDisruptionBudget", "StatefulSet",
            "ServiceMonitor", "NetworkPolicy"} <= set(kinds), kinds


def test_kubernetes_schema_check_has_teeth():
    kv = python_module("kubernetes_validate")
    deployment = next(doc for _, doc in manifests() if doc["kind"] == "Deployment")
    bad = copy.deepcopy(deployment)
    bad["spec"]["template"]["spec"]["containers"][0]["readinessProb"] = {"grpc": {"port": 7070}}
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, "1.30", strict=True)
    bad = copy.deepcopy(deployment)
    bad["spec"]["replicas"] = "three"
    with pytest.raises(kv.ValidationError):
        kv.validate(bad, "1.30", strict=True)


def test_kubernetes_layout_fits_together():
    docs = manifests()
    by_kind = {}
    for _, d in docs:
        by_kind.setdefault(d["kind"], {})[d["metadata"]["name"]] = d
    dep = by_kind["Deployment"]["kilnd"]
    pod = dep["spec"]["template"]
    labels = pod["metadata"]["labels"]
    container = pod["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    # gRPC probes on the gRPC port: the standard health service.
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["grpc"]["port"] == ports["grpc"], probe
    # Services, PDB and HPA select / target what exists.
    for svc in by_kind["Service"].values():
        sel = svc["spec"]["selector"]
        assert all(labels.get(k) == v for k, v in sel.items()) or svc["metadata"]["name"] == "kiln-redis"
    assert by_kind["HorizontalPodAutoscaler"]["kilnd"]["spec"]["scaleTargetRef"]["name"] == "kilnd"
    redis = by_kind["StatefulSet"]["kiln-redis"]
    assert redis["spec"]["serviceName"] in by_kind["Service"]
    # The ServiceMonitor finds the metrics Service by its labels and port name.
    sm = by_kind["ServiceMonitor"]["kilnd"]
    metrics_svc = by_kind["Service"]["kiln-metrics"]
    assert all(metrics_svc["metadata"]["labels"].get(k) == v for k, v in sm["spec"]["selector"]["matchLabels"].items())
    assert sm["spec"]["endpoints"][0]["port"] in {p["name"] for p in metrics_svc["spec"]["ports"]}
    # Volumes: the ConfigMap and the Secrets the pod mounts.
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["config"]["configMap"]["name"] in by_kind["ConfigMap"]
    assert volumes["tokens"]["secret"]["secretName"] == "kiln-tokens"
    assert volumes["tls"]["secret"]["secretName"] == "kiln-tls"
    # The drain ends before the kubelet's SIGKILL: drain + the hard-stop margin (5 s).
    conf = by_kind["ConfigMap"]["kiln-config"]["data"]["kilnd.conf"]
    drain = float(re.search(r"^drain-seconds = (\S+)", conf, re.M).group(1))
    assert drain + 5 <= pod["spec"]["terminationGracePeriodSeconds"]
    # The shared tier's addresses are the StatefulSet's pods.
    urls = re.search(r'^shared-cache = "([^"]+)"', conf, re.M).group(1).split(",")
    assert urls == [f"redis://kiln-redis-{i}.kiln-redis:6379" for i in range(redis["spec"]["replicas"])]


# Settings of the ConfigMap that name flags kilnd does not have yet (none now:
# the shared tier and the metrics listener have landed).
PENDING_FLAGS = set()


def test_configmap_config_file_is_one_kilnd_accepts(kilnd_binary, tmp_path):
    """The ConfigMap's kilnd.conf, with its paths moved into tmp_path, is
    accepted by kilnd's own parser; its keys are kilnd's flags."""
    conf = next(doc for _, doc in manifests() if doc["kind"] == "ConfigMap")["data"]["kilnd.conf"]
    helpfull = subprocess.run([kilnd_binary, "--helpfull"], capture_output=True, text=True, timeout=30).stdout
    flags = set(re.findall(r"^\s+--([a-z_]+)", helpfull, re.M))
    keys = re.findall(r"^([a-z_-]+) =", conf, re.M)
    assert keys
    pending = []
    for k in keys:
        k = k.replace("-", "_")
        if k not in flags:
            assert k in PENDING_FLAGS, f"{k} is not a kilnd flag"
            pending.append(k)
    # Run it (without the pending lines, and with its paths in tmp_path).
    text = "\n".join(line for line in conf.splitlines()
                     if not any(line.startswith(p.replace("_", "-") + " ") for p in pending))
    text = text.replace("/var/cache/kiln", str(tmp_path / "cache")).replace("/var/run/kiln", str(tmp_path / "run"))
    text = text.replace("/etc/kiln/secrets/tokens", str(tmp_path / "tokens")).replace("0.0.0.0:7070", "127.0.0.1:0")
    # The metrics listener on a free loopback port; the shared tier's pods do
    # not resolve here, so the server runs degraded to L1 (as it must).
    text = text.replace("0.0.0.0:9464", "127.0.0.1:0")
    (tmp_path / "tokens").write_text("tok-" + "ab" * 16 + " ci compile\n")
    os.chmod(tmp_path / "tokens", 0o600)
    (tmp_path / "kilnd.conf").write_text(text)
    proc = subprocess.Popen([kilnd_binary, "--config", str(tmp_path / "kilnd.conf"), "--idle-timeout", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "serving on" in out and "idle for 1 s" in out, out


# ------------------------------------------------------------------ Grafana

def test_dashboard_is_valid_and_uses_only_exported_metrics():
    path = os.path.join(DEPLOY, "grafana", "kiln-dashboard.json")
    dash = json.load(open(path))
    assert dash["uid"] and dash["title"] and dash["schemaVersion"] >= 30
    panels = dash["panels"]
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids))
    used = set()
    exprs = 0
    for p in panels:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24 and g["h"] > 0, p["title"]
        for t in p.get("targets", []):
            # Grafana's variables become what Prometheus sees.
            expr = t["expr"].replace("$__rate_interval", "5m").replace("$instance", ".*")
            names = metric_names(expr)
            assert names, (p["title"], expr)
            for n in names:
                assert contract_metric(n), (p["title"], n)
            used.update(names)
            exprs += 1
    assert exprs >= 15
    titles = " | ".join(p["title"].lower() for p in panels)
    for want in ("compile time by stage", "hit rate per tier", "queue", "errors", "build info"):
        assert want in titles, want
    assert {"kiln_compile_duration_seconds_bucket", "kiln_cache_lookups_total", "kiln_compile_queue_depth",
            "kiln_requests_total", "kiln_build_info"} <= used
    # The instance variable's query names a contract metric too.
    for var in dash["templating"]["list"]:
        if var["type"] == "query":
            m = re.search(r"label_values\((\w+),", var["definition"])
            assert m and contract_metric(m.group(1)), var
