"""What the bench/ scripts share. Their command lines (options). The nci side: find a JDK 25, build
bench/target/benchmarks.jar when it is missing or older than the sources, run BenchMain for one family and
return its JSON records (run), or start one of the jar's command loops and talk to it (Loop); and the FMA peak
those records measured (GemmBench.fmaPeak at the start and at the end of the gemm and forward families), the
yardstick compare-numpy and compare-torch divide by."""
import importlib.machinery
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "bench", "target", "benchmarks.jar")


def load_script(name, module):
    """bench/NAME (a script without a .py suffix, e.g. compare-torch) imported as a module named MODULE."""
    loader = importlib.machinery.SourceFileLoader(module, os.path.join(ROOT, "bench", name))
    spec = importlib.util.spec_from_loader(module, loader)
    mod = importlib.util.module_from_spec(spec)
    loader.exec_module(mod)
    return mod


def options(tool, argv, doc, defaults, flags=(), values=None):
    """A bench script's command line: `defaults` updated by the options in argv. Each option in `flags` stands alone
    and sets True (--check-only -> opts["check_only"]); each in `values` ({option: (what, convert)}) takes the next
    argument, converted (a ValueError stops the script: `TOOL: OPTION needs WHAT, got V`). -h/--help prints doc and
    exits 0; an unknown argument stops the script with `TOOL: unknown argument 'A'` and the doc. Usage errors exit
    with status 2."""
    values = values or {}
    opts = dict(defaults)
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(doc)
            sys.exit(0)
        key = a[2:].replace("-", "_")
        if a in flags:
            opts[key] = True
            i += 1
        elif a in values:
            what, convert = values[a]
            if i + 1 == len(argv):
                usage_error("%s: %s needs %s" % (tool, a, what))
            try:
                opts[key] = convert(argv[i + 1])
            except ValueError:
                usage_error("%s: %s needs %s, got %r" % (tool, a, what, argv[i + 1]))
            i += 2
        else:
            usage_error("%s: unknown argument %r\n%s" % (tool, a, doc))
    return opts


def usage_error(message):
    print(message, file=sys.stderr)
    sys.exit(2)


def whole(minimum):
    """An option value (see options): a whole number >= minimum."""
    def convert(v):
        n = int(v)
        if n < minimum:
            raise ValueError(v)
        return n
    return "a whole number >= %d" % minimum, convert


def number(low, high=None):
    """An option value (see options): a number > low (and <= high)."""
    def convert(v):
        x = float(v)
        if not (x > low and (high is None or x <= high)):
            raise ValueError(v)
        return x
    return ("a number > %g" % low if high is None else "a number in (%g, %g]" % (low, high)), convert


TEXT = ("a value", str)


def threads_env(env, threads, *names):
    """env (a dict, or os.environ itself) readied for a comparison's other side on `threads` threads: the OpenBLAS
    overrides this environment sets removed (OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE pin OpenBLAS to a slower kernel;
    the benchmarks' own processes keep them), and each variable in names set to threads. Returns env."""
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        env.pop(var, None)
    for name in names:
        env[name] = str(threads)
    return env


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


def prepare(tool):
    """A JDK 25 and bench/target/benchmarks.jar, built first if missing or stale: (java executable, environment)."""
    java_home = find_java(tool)
    env = dict(os.environ, JAVA_HOME=java_home, PATH=os.path.join(java_home, "bin") + os.pathsep + os.environ.get("PATH", ""))
    if jar_is_stale():
        print(tool + ": building bench/target/benchmarks.jar ...", file=sys.stderr, flush=True)
        subprocess.run(["mvn", "-B", "-q", "-pl", "bench", "-am", "package", "-DskipTests"], cwd=ROOT, env=env, check=True)
    return os.path.join(java_home, "bin", "java"), env


def run(tool, family, quick):
    """BenchMain FAMILY [--quick] --json TMP with a JDK 25, building the jar first if stale: its records."""
    java, env = prepare(tool)
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        path = f.name
    try:
        cmd = [java, "--add-modules", "jdk.incubator.vector",
               "-cp", JAR, "nci.bench.BenchMain", family, "--json", path] + (["--quick"] if quick else [])
        print(tool + ": " + " ".join(cmd), file=sys.stderr, flush=True)
        rc = subprocess.run(cmd, cwd=ROOT, env=env).returncode
        if rc != 0:   # e.g. another JMH run holds /tmp/jmh.lock: its message is above
            sys.exit("%s: BenchMain %s failed (exit status %d); see its output above" % (tool, family, rc))
        with open(path) as fh:
            return json.load(fh)
    finally:
        os.unlink(path)


# ----------------------------------------------------------------------------- FMA peak

FMA_PEAK = "GemmBench.fmaPeak"   # the yardstick, not a benchmark row


def fma_peaks(tool, records):
    """{threads: {"gflops", "start", "end", "error"}} of BenchMain's GemmBench.fmaPeak records: "gflops" is the mean
    of the start and end measurements (whichever the run has), so a drift during the family biases it least."""
    by_threads = {}
    for r in records:
        if r["benchmark"] != FMA_PEAK:
            continue
        if r["unit"] != "GFLOP/s":
            sys.exit("%s: %s threads=%s has unit %r, expected GFLOP/s" % (tool, FMA_PEAK, r["params"].get("threads"), r["unit"]))
        when = r["params"].get("when", "start")
        if when not in ("start", "end"):
            sys.exit("%s: %s threads=%s has when=%r, expected start or end" % (tool, FMA_PEAK, r["params"].get("threads"), when))
        by_threads.setdefault(r["params"]["threads"], {})[when] = r
    peaks = {}
    for th, at in by_threads.items():
        scores = [at[w]["score"] for w in ("start", "end") if w in at]
        errors = [at[w]["error"] for w in ("start", "end") if w in at and at[w]["error"] is not None]
        peaks[th] = {"gflops": sum(scores) / len(scores),
                     "start": at["start"]["score"] if "start" in at else None,
                     "end": at["end"]["score"] if "end" in at else None,
                     "error": max(errors) if errors else None}
    return peaks


def peak_fraction(gflops, threads, peaks):
    """gflops over the measured FMA peak at that thread count; None without one."""
    peak = peaks.get(threads)
    if peak is None or peak["gflops"] <= 0:
        return None
    return gflops / peak["gflops"]


def peak_line(peaks):
    if not peaks:
        return "measured FMA peak: none in BenchMain's output (is the jar older than GemmBench.fmaPeak?); nci/peak n/a"

    def one(th):
        p = peaks[th]
        at = " / ".join("%.1f" % p[w] if p[w] is not None else "n/a" for w in ("start", "end"))
        return "%d thread%s %.1f GFLOP/s (start / end %s)" % (th, "" if th == 1 else "s", p["gflops"], at)
    return "measured FMA peak (same run, register-only loop, mean of the start and end of nci's phase): " + \
        ", ".join(one(th) for th in sorted(peaks))


class Loop:
    """A command loop of the benchmarks jar (nci.bench.SweepLoop, nci.bench.GemmLoop) in its own JVM, built first
    if stale: it prints one `ready ...` line, then answers each command with one line (CommandLoop's protocol)."""

    def __init__(self, tool, main_class, args):
        java, env = prepare(tool)
        cmd = [java, "--add-modules", "jdk.incubator.vector", "-cp", JAR, main_class] + list(args)
        print(tool + ": " + " ".join(cmd), file=sys.stderr, flush=True)
        self.tool, self.name = tool, main_class.rsplit(".", 1)[-1]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline().strip()
        if not line.startswith("ready"):
            self.close()
            sys.exit("%s: %s did not start (said %r; its errors are above)" % (tool, self.name, line))
        self.ready = line

    def ask(self, command, expect):
        """Sends one command and returns its answer line, which must start with `expect`: any other answer (or a
        loop that has ended) stops the run."""
        try:
            self.proc.stdin.write(command + "\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline().strip()
        except OSError:
            line = ""
        if not line.startswith(expect):
            self.close()
            sys.exit("%s: %s answered %r to %r (its errors are above)" % (self.tool, self.name, line, command))
        return line

    def close(self):
        quit(self.proc)


def quit(proc):
    """Asks a command-loop process (a Loop's JVM, a script's worker) to quit and waits for it; kills it after 60 s."""
    try:
        if proc.poll() is None:
            proc.stdin.write("quit\n")
            proc.stdin.flush()
        proc.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        proc.kill()
