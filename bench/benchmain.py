"""The nci side of bench/compare-numpy and bench/compare-torch: find a JDK 25, build
bench/target/benchmarks.jar when it is missing or older than the sources, run BenchMain for one
family and return its JSON records."""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")


def find_java(tool):
    def major(home):
        try:
            out = subprocess.run([os.path.join(home, "bin", "java"), "-XshowSettings:properties", "-version"],
                                 capture_output=True, text=True).stderr
        except OSError:
            return 0
        for line in out.splitlines():
            if "java.specification.version" in line:
                return int(line.split("=")[1].strip().split(".")[0])
        return 0
    candidates = [os.environ.get("JAVA_HOME", "")] + sorted(
        os.path.join("/usr/lib/jvm", d) for d in (os.listdir("/usr/lib/jvm") if os.path.isdir("/usr/lib/jvm") else []))
    for home in candidates:
        if home and major(home) >= 25:
            return home
    sys.exit(tool + ": needs a JDK 25 or newer; set JAVA_HOME to one")


def jar_is_stale():
    if not os.path.exists(JAR):
        return True
    built = os.path.getmtime(JAR)
    for module in ("tensor", "gpt2", "patching", "bench"):
        for d, _, files in os.walk(os.path.join(ROOT, module)):
            if os.sep + "target" in d:
                continue
            if any((f.endswith(".java") or f == "pom.xml") and os.path.getmtime(os.path.join(d, f)) > built for f in files):
                return True
    return os.path.getmtime(os.path.join(ROOT, "pom.xml")) > built


def run(tool, family, quick):
    """BenchMain FAMILY [--quick] --json TMP with a JDK 25, building the jar first if stale: its records."""
    java_home = find_java(tool)
    env = dict(os.environ, JAVA_HOME=java_home, PATH=os.path.join(java_home, "bin") + os.pathsep + os.environ.get("PATH", ""))
    if jar_is_stale():
        print(tool + ": building bench/target/benchmarks.jar ...", file=sys.stderr, flush=True)
        subprocess.run(["mvn", "-B", "-q", "-pl", "bench", "-am", "package", "-DskipTests"], cwd=ROOT, env=env, check=True)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        cmd = [os.path.join(java_home, "bin", "java"), "--add-modules", "jdk.incubator.vector",
               "-cp", JAR, "nci.bench.BenchMain", family, "--json", path] + (["--quick"] if quick else [])
        print(tool + ": " + " ".join(cmd), file=sys.stderr, flush=True)
        rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        if rc != 0:   # e.g. another JMH run holds /tmp/jmh.lock: its message is above
            sys.exit("%s: BenchMain %s failed (exit status %d); see its output above" % (tool, family, rc))
        with open(path) as fh:
            return json.load(fh)
    finally:
        os.unlink(path)
