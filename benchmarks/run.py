"""Every stage at 10k, 100k and 1M parcels, ours beside a plain geopandas/pandas baseline.

Run::

    python benchmarks/run.py --sizes 10k,100k,1M          # generates the sets once, under --data
    python benchmarks/run.py --sizes 10k --write          # also replaces the table in RESULTS.md

For each size the province-scale sample (``ruian_land.sample.province``: the sample county tiled)
is generated once into ``--data/<size>`` (reused when its ``project.yaml`` exists). Then, each in a
fresh subprocess so memory is measured cleanly:

* ``ours``: the pipeline's stage functions on the GeoParquet variant (parcels GeoParquet, tables
  CSV): ``stages.ingest`` (read, validate, link), ``evaluate``, ``screen``, ``simulate`` (scenario),
  ``trajectory``, ``parks``, ``write_outputs`` (write, without the map) and ``make_map`` + ``save_map``
  (map, last, so a memory blow-up there cannot hide the others);
* ``baseline``: the same work done the obvious way with geopandas/pandas/folium (read_parquet +
  read_csv; make_valid + area + de-duplication + code clean-up; merges; groupby sums, ratios and
  quantile classes; boolean masks; a greedy sort-and-cumsum selection; buffer + dissolve; to_file
  gpkg + to_excel; one folium GeoJson of every parcel);
* reads of the bureau mix (GBK shapefile + xlsx + CSV): ``io.load_inputs`` beside
  ``read_file`` + ``read_excel`` + ``read_csv``, and the parcel shapefile alone with
  ``io.read_parcels`` beside ``geopandas.read_file`` on the pyogrio and the fiona engine (fiona
  above ``--fiona-max`` parcels only with ``--fiona-all``: it takes minutes).

Memory is the process's peak RSS during the stage (``ru_maxrss`` when it rose in the stage, else
the highest of ``/proc/self/statm`` samples taken every 20 ms). A worker whose RSS passes
``--max-rss-gb`` is stopped and the stages it did not finish are reported as ``killed``. The table
(markdown) gives seconds, peak MB and ours/baseline ratios; ``--json`` saves the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}
#: The stages of the issue's table, in run order (``trajectory`` is timed too, with no baseline).
STAGES = ("read", "validate", "link", "evaluate", "screen", "scenario", "parks", "map", "write")
READS = ("read mix (shp+xlsx+csv)", "read parcels shp (pyogrio)", "read parcels shp (fiona)")
MARK_START, MARK_END = "<!-- benchmarks/run.py -->", "<!-- /benchmarks/run.py -->"


# -- measuring ------------------------------------------------------------------------------------
class _Done(Exception):
    """Raised after the ``--last-stage`` stage is recorded."""


class _Meter:
    """Samples this process's RSS; ``stage(name)`` records seconds and peak MB of a block and
    appends a JSON line to ``out`` at once (so a killed worker keeps what it finished)."""

    def __init__(self, out: Path, max_rss_gb: float, last: str | None = None) -> None:
        self.out, self.limit, self.last = out, max_rss_gb * 1024**3, last
        self.page = os.sysconf("SC_PAGE_SIZE")
        self.peak = self.rss()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def rss(self) -> int:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * self.page

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            now = self.rss()
            self.peak = max(self.peak, now)
            if now > self.limit:
                with self.out.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"killed": True, "rss_mb": now / 2**20}) + "\n")
                os.kill(os.getpid(), signal.SIGKILL)

    @contextmanager
    def stage(self, name: str) -> Iterator[dict[str, Any]]:
        extra: dict[str, Any] = {}
        hwm0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        self.peak = self.rss()
        t0, c0 = time.perf_counter(), _cpu()
        yield extra
        seconds, cpu = time.perf_counter() - t0, _cpu() - c0
        hwm1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        peak = hwm1 if hwm1 > hwm0 else max(self.peak, self.rss())
        self.record(name, seconds, peak, {"cpu_s": round(cpu, 3), **extra})

    def record(self, name: str, seconds: float, peak: float, extra: dict[str, Any] | None = None) -> None:
        row = {
            "stage": name,
            "seconds": round(seconds, 3),
            "peak_mb": round(peak / 2**20, 1),
            **(extra or {}),
        }
        with self.out.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        if name == self.last:
            raise _Done


def _cpu() -> float:
    """User + system CPU seconds of this process (less disturbed than wall time on a shared machine)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


# -- workers --------------------------------------------------------------------------------------
def _ours(data: Path, meter: _Meter, tmp: Path) -> None:
    from ruian_land.config import load_config
    from ruian_land.maps import save_map
    from ruian_land.pipeline import stages
    from ruian_land.pipeline.write import write_outputs

    cfg = load_config(data / "geoparquet" / "project.yaml")
    hwm0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    meter.peak = meter.rss()
    c0 = _cpu()
    ing = stages.ingest(cfg)
    # ingest runs read → validate → link in one call: split its wall time by its own timings, its
    # CPU time in the same shares, and give each part the ingest's peak (the high-water mark is per
    # process, not per part)
    cpu, wall = _cpu() - c0, sum(ing.seconds[n] for n in ("read", "validate", "link")) or 1.0
    peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, hwm0, meter.peak)
    for name in ("read", "validate", "link"):
        extra = {"cpu_s": round(cpu * ing.seconds[name] / wall, 3), "n_parcels": len(ing.parcels)}
        meter.record(name, ing.seconds[name], peak, {**extra, "n_firms": len(ing.firms)})
    with meter.stage("evaluate"):
        ev = stages.evaluate(ing)
    with meter.stage("screen"):
        scr = stages.screen(ing, ev)
    with meter.stage("scenario"):
        sim = stages.simulate(ing, ev, scr)
    with meter.stage("trajectory"):
        traj = stages.trajectory(ing, ev, scr, sim)
    with meter.stage("parks"):
        sited = stages.parks(ing, ev, scr, sim)
    with meter.stage("write"):
        result = stages.assemble(ing, ev, scr, sim, sited, None, traj)
        write_outputs(result, tmp / "out")
    with meter.stage("map"):
        mapped = stages.make_map(ing, ev, scr, sim, sited)
        save_map(mapped.overview_map, tmp / "overview.html")


def _tce(frame: Any) -> Any:
    # rough standard-coal factors (tce per 万kWh, 万m³, t, GJ×100): the baseline needs plausible numbers only
    num = {
        c: _num(frame[c]) for c in ("用电量(万千瓦时)", "天然气(万立方米)", "原煤(吨)", "外购热力(百万千焦)")
    }
    return (
        1.229 * num["用电量(万千瓦时)"]
        + 12.143 * num["天然气(万立方米)"].fillna(0)
        + 0.7143 * num["原煤(吨)"].fillna(0)
        + 0.0341 * num["外购热力(百万千焦)"].fillna(0)
    )


def _num(values: Any) -> Any:
    import pandas as pd

    return pd.to_numeric(values.astype(str).str.replace(",", "", regex=False), errors="coerce")


def _code(values: Any) -> Any:
    return values.astype(str).str.normalize("NFKC").str.replace(" ", "", regex=False).str.upper()


def _baseline(data: Path, meter: _Meter, tmp: Path) -> None:
    import folium
    import geopandas as gpd
    import pandas as pd

    gp, mix = data / "geoparquet", data
    with meter.stage("read"):
        parcels = gpd.read_parquet(gp / "parcels" / "宗地.parquet")
        t = {
            name: pd.read_csv(gp / "enterprises" / f"{file}.csv", dtype=str)
            for name, file in (
                ("registry", "企业名录"),
                ("tax", "税收"),
                ("statistics", "统计"),
                ("energy", "能耗"),
                ("emissions", "排放"),
                ("leases", "厂房租赁"),
            )
        }
        lines = gpd.read_file(mix / "control_lines" / "工业用地控制线.shp")
        towns = gpd.read_file(mix / "boundary" / "乡镇街道.gpkg")
        gpd.read_file(mix / "boundary" / "瑞安市.gpkg")
    with meter.stage("validate"):
        parcels["geometry"] = parcels.geometry.make_valid()
        parcels = parcels.drop_duplicates("宗地代码").reset_index(drop=True)
        parcels["area_mu"] = parcels.area * 0.0015
        parcels["owner_code"] = _code(parcels["权利人代码"])
        reg = t["registry"].assign(code=_code(t["registry"]["统一社会信用代码"])).drop_duplicates("code")
        tax = t["tax"][t["tax"]["纳税人识别号"] != "合计"]
        tax = tax.assign(code=_code(tax["纳税人识别号"]), tax_wan=_num(tax["实缴税收(万元)"]))
        stats = t["statistics"].assign(code=_code(t["statistics"]["统一社会信用代码"]))
        for c in ("工业增加值(万元)", "营业收入(万元)", "研发费用(万元)", "年平均从业人员(人)"):
            stats[c] = _num(stats[c])
        energy = t["energy"].assign(code=_code(t["energy"]["统一社会信用代码"]))
        energy["tce"] = _tce(energy)
        leases = t["leases"].assign(
            code=_code(t["leases"]["承租企业代码"]), m2=_num(t["leases"]["租用面积(平方米)"])
        )
    with meter.stage("link"):
        owned = parcels.groupby("owner_code")["area_mu"].sum().rename("owned_mu")
        leased = (leases.groupby("code")["m2"].sum() * 0.0015).rename("leased_mu")
        firms = (
            reg[["code", "企业名称", "所在乡镇", "行业代码"]]
            .merge(tax.groupby("code")["tax_wan"].sum().reset_index(), on="code", how="left")
            .merge(
                stats[["code", "工业增加值(万元)", "营业收入(万元)", "研发费用(万元)", "年平均从业人员(人)"]],
                on="code",
                how="left",
            )
            .merge(energy[["code", "tce"]], on="code", how="left")
            .merge(owned, left_on="code", right_index=True, how="left")
            .merge(leased, left_on="code", right_index=True, how="left")
        )
        firms["land_mu"] = firms["owned_mu"].fillna(0) + firms["leased_mu"].fillna(0)
        parcels = parcels.merge(
            firms[["code", "企业名称"]], left_on="owner_code", right_on="code", how="left"
        )
    with meter.stage("evaluate"):
        land = firms["land_mu"].where(firms["land_mu"] > 0)
        firms["tax_per_mu"] = firms["tax_wan"] / land
        firms["va_per_mu"] = firms["工业增加值(万元)"] / land
        firms["va_per_tce"] = firms["工业增加值(万元)"] / firms["tce"]
        firms["rd_share"] = firms["研发费用(万元)"] / firms["营业收入(万元)"]
        weights = {"tax_per_mu": 0.4, "va_per_mu": 0.3, "va_per_tce": 0.2, "rd_share": 0.1}
        firms["score"] = sum(w * firms[c].rank(pct=True).fillna(0) * 100 for c, w in weights.items())
        rated = land.notna()
        firms.loc[rated, "class"] = pd.qcut(
            firms.loc[rated, "score"], [0, 0.1, 0.4, 0.8, 1], labels=list("DCBA")
        )
        by_town = firms.groupby("所在乡镇")[["tax_wan", "land_mu"]].sum()
        by_town["tax_per_mu"] = by_town["tax_wan"] / by_town["land_mu"]
    with meter.stage("screen"):
        p = parcels.merge(firms[["code", "class"]], on="code", how="left")
        area_m2 = p["宗地面积"].where(p["宗地面积"] > 0)
        low_far = p["建筑面积"] / area_m2 < 1.0
        low_cov = p["建筑占地"] / area_m2 < 0.3
        idle = p["实际开工"].isna() & (p["约定开工"] < pd.Timestamp("2020-12-31"))
        p["low_efficiency"] = p["class"].isin(["C", "D"]) | low_far | low_cov
        p["idle"] = idle
        flagged = p[p["low_efficiency"] | p["idle"]]
    with meter.stage("scenario"):
        cand = firms[firms["class"].isin(["C", "D"]) & (firms["land_mu"] > 0)].sort_values("tax_per_mu")
        take = cand["land_mu"].cumsum() <= 1000.0
        chosen = cand[take]
        freed = p[p["code"].isin(chosen["code"])]
    with meter.stage("parks"):
        vacant = pd.concat([freed, flagged[flagged["idle"]]])
        merged = gpd.GeoSeries(vacant.geometry.buffer(30), crs=parcels.crs).union_all()
        sites = gpd.GeoDataFrame(geometry=[merged], crs=parcels.crs).explode(index_parts=False)
        sites["geometry"] = sites.buffer(-30)
        sites = sites[sites.area * 0.0015 >= 20].reset_index(drop=True)
        sites["in_line"] = sites.intersects(lines.union_all())
    with meter.stage("write"):
        cols = ["宗地代码", "企业名称", "所在乡镇", "area_mu", "class", "low_efficiency", "idle", "geometry"]
        gpd.GeoDataFrame(p[cols].astype({"class": str}), crs=parcels.crs).to_file(tmp / "parcels.gpkg")
        sites.to_file(tmp / "sites.gpkg")
        firms.to_excel(tmp / "firms.xlsx", index=False)
        flagged.drop(columns="geometry").to_csv(tmp / "flagged.csv", index=False)
    with meter.stage("map"):
        m = folium.Map(location=[28.0, 120.6], zoom_start=9)
        shown = gpd.GeoDataFrame(p[cols].astype({"class": str}), crs=parcels.crs).to_crs(4326)
        folium.GeoJson(
            shown, tooltip=folium.GeoJsonTooltip(["宗地代码", "企业名称", "class", "area_mu"])
        ).add_to(m)
        folium.GeoJson(sites.to_crs(4326)).add_to(m)
        folium.GeoJson(towns.to_crs(4326)).add_to(m)
        m.save(tmp / "map.html")


def _reads(data: Path, meter: _Meter, fiona: bool) -> None:
    import geopandas as gpd
    import pandas as pd

    from ruian_land import io
    from ruian_land.config import load_config

    shp = data / "parcels" / "宗地.shp"
    with meter.stage("ours:" + READS[0]):
        io.load_inputs(load_config(data / "project.yaml"))
    with meter.stage("baseline:" + READS[0]):
        gpd.read_file(shp, encoding="gbk")
        for name, sheet in (
            ("企业名录_经信局", 0),
            ("统计_统计局", 0),
            ("能耗_发改局", 0),
            ("厂房租赁_经信局", 0),
        ):
            pd.read_excel(data / "enterprises" / f"{name}.xlsx", sheet_name=sheet, dtype=str)
        pd.read_csv(data / "enterprises" / "税收_税务局.csv", encoding="gbk", dtype=str)
        pd.read_csv(data / "enterprises" / "排放_生态环境局.csv", dtype=str)
        gpd.read_file(data / "control_lines" / "工业用地控制线.shp")
        gpd.read_file(data / "boundary" / "乡镇街道.gpkg")
    for engine, label in (("pyogrio", READS[1]), ("fiona", READS[2])):
        if engine == "fiona" and not fiona:
            continue
        with meter.stage("ours:" + label):
            io.read_parcels(shp, encoding="gbk", engine=engine)
        with meter.stage("baseline:" + label):
            gpd.read_file(shp, encoding="gbk", engine=engine)


def _worker(args: argparse.Namespace) -> None:
    warnings.simplefilter("ignore")
    meter = _Meter(Path(args.out), args.max_rss_gb, args.last_stage)
    data = Path(args.data)
    with tempfile.TemporaryDirectory(prefix="ruian-bench-") as tmp:
        try:
            if args.worker == "ours":
                _ours(data, meter, Path(tmp))
            elif args.worker == "baseline":
                _baseline(data, meter, Path(tmp))
            else:
                _reads(data, meter, args.fiona)
        except _Done:
            pass


# -- driver ---------------------------------------------------------------------------------------
def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def _ensure_data(folder: Path, parcels: int) -> None:
    if (folder / "project.yaml").is_file() and (folder / "geoparquet" / "project.yaml").is_file():
        return
    print(f"generating {parcels:,} parcels into {folder} …", file=sys.stderr, flush=True)
    # one county at scale 2 holds ≈ 9 400 parcel records; smaller sets are one smaller county
    scale = 2.0 if parcels >= 9_000 else max(0.05, parcels / 4_700)
    cmd = [sys.executable, "-m", "ruian_land.sample", "--province", "--parcels", str(parcels)]
    cmd += ["--base-scale", f"{scale:g}", "--out", str(folder)]
    subprocess.run(cmd, check=True, env=_env(), stdout=subprocess.DEVNULL, cwd=HERE.parent)


def _run_worker(kind: str, data: Path, args: argparse.Namespace, fiona: bool) -> list[dict[str, Any]]:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        out = Path(fh.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--data", str(data)]
    cmd += ["--out", str(out), "--max-rss-gb", str(args.max_rss_gb)] + (["--fiona"] if fiona else [])
    cmd += ["--last-stage", args.last_stage] if args.last_stage else []
    try:
        proc = subprocess.run(
            cmd, env=_env(), capture_output=True, text=True, cwd=HERE.parent, timeout=args.worker_timeout
        )
    except subprocess.TimeoutExpired:  # the stages it finished are in ``out``
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
        out.unlink(missing_ok=True)
        return [*rows, {"timeout": args.worker_timeout}]
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.unlink(missing_ok=True)
    if proc.returncode != 0 and not any(r.get("killed") for r in rows):
        sys.stderr.write(proc.stderr[-4000:])
        rows.append(
            {"failed": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else str(proc.returncode)}
        )
    return rows


def measure(size: str, args: argparse.Namespace) -> dict[str, Any]:
    """Generate (once) and benchmark one size; returns ``{"stages": [...], "notes": [...]}``."""
    n = SIZES.get(size) or int(float(size.lower().replace("k", "e3").replace("m", "e6")))
    data = Path(args.data) / size
    _ensure_data(data, n)
    fiona = args.fiona_all or n <= args.fiona_max
    kinds = [k.strip() for k in args.workers.split(",") if k.strip()]
    runs = {kind: _run_worker(kind, data, args, fiona) for kind in kinds}
    ours = {r["stage"]: r for r in runs.get("ours", []) if "stage" in r}
    base = {r["stage"]: r for r in runs.get("baseline", []) if "stage" in r}
    for r in runs.get("reads", []):
        if "stage" in r:
            side, name = r["stage"].split(":", 1)
            (ours if side == "ours" else base)[name] = r
    notes = [
        f"{kind}: killed above {args.max_rss_gb:g} GB"
        for kind, rs in runs.items()
        if any(r.get("killed") for r in rs)
    ]
    notes += [f"{kind}: failed: {r['failed']}" for kind, rs in runs.items() for r in rs if "failed" in r]
    notes += [
        f"{kind}: stopped after {r['timeout']:g} s (--worker-timeout)"
        for kind, rs in runs.items()
        for r in rs
        if "timeout" in r
    ]
    if not fiona:
        notes.append(f"fiona reads skipped above {args.fiona_max:,} parcels (--fiona-all runs them)")
    rows = []
    for name in (*STAGES, "trajectory", *READS):
        o, b = ours.get(name), base.get(name)
        if o is None and b is None and name in READS:
            continue
        rows.append(
            {
                "stage": name,
                "ours_s": None if o is None else o["seconds"],
                "baseline_s": None if b is None else b["seconds"],
                "ours_mb": None if o is None else o["peak_mb"],
                "baseline_mb": None if b is None else b["peak_mb"],
                "ours_cpu_s": None if o is None else o.get("cpu_s"),
                "baseline_cpu_s": None if b is None else b.get("cpu_s"),
            }
        )
    n_parcels = next((r.get("n_parcels") for r in runs.get("ours", []) if r.get("n_parcels")), None)
    through = [ours[s] for s in ("read", "validate", "link", "evaluate", "screen") if s in ours]
    whole = [r for s, r in ours.items() if s in (*STAGES, "trajectory")]
    return {
        "size": size,
        "parcels": n_parcels,
        "stages": rows,
        "through_screen_s": round(sum(r["seconds"] for r in through), 1) if len(through) == 5 else None,
        "through_screen_mb": max((r["peak_mb"] for r in through), default=None),
        "whole_run_s": round(sum(r["seconds"] for r in whole), 1) if len(whole) == 10 else None,
        "whole_run_mb": max((r["peak_mb"] for r in whole), default=None),
        "notes": notes,
    }


def _fmt(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "—" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def table(results: list[dict[str, Any]]) -> str:
    """The markdown table: one row per size and stage."""
    out = [
        "| parcels | stage | ours s | baseline s | ours / baseline (time) | ours peak MB | baseline peak MB "
        "| ours / baseline (memory) | ours CPU s | baseline CPU s |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        label = f"{res['size']} ({res['parcels']:,})" if res.get("parcels") else res["size"]
        for r in res["stages"]:
            out.append(
                f"| {label} | {r['stage']} | {_fmt(r['ours_s'])} | {_fmt(r['baseline_s'])} | "
                f"{_ratio(r['ours_s'], r['baseline_s'])} | {_fmt(r['ours_mb'], 0)} | {_fmt(r['baseline_mb'], 0)} | "
                f"{_ratio(r['ours_mb'], r['baseline_mb'])} | {_fmt(r.get('ours_cpu_s'))} | "
                f"{_fmt(r.get('baseline_cpu_s'))} |"
            )
    lines = ["\n".join(out), ""]
    for res in results:
        lines.append(
            f"- {res['size']}: GeoParquet → screening {_fmt(res['through_screen_s'], 1)} s, peak "
            f"{_fmt(res['through_screen_mb'], 0)} MB; whole run (read … map, write) {_fmt(res['whole_run_s'], 1)} s, "
            f"peak {_fmt(res['whole_run_mb'], 0)} MB" + "".join(f"; {n}" for n in res["notes"])
        )
    return "\n".join(lines) + "\n"


def machine() -> str:
    """One line: date, CPU count, RAM, Python and the main library versions."""
    import geopandas
    import pandas
    import pyogrio
    import shapely

    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return (
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()} {platform.system()}, {os.cpu_count()} cores, "
        f"{mem:.0f} GB RAM, Python {platform.python_version()}, pandas {pandas.__version__}, geopandas "
        f"{geopandas.__version__}, shapely {shapely.__version__}, pyogrio {pyogrio.__version__}"
    )


def _write_results(text: str, path: Path) -> None:
    body = (
        path.read_text(encoding="utf-8") if path.exists() else f"# Benchmarks\n\n{MARK_START}\n{MARK_END}\n"
    )
    if MARK_START not in body:
        body += f"\n{MARK_START}\n{MARK_END}\n"
    head, rest = body.split(MARK_START, 1)
    tail = rest.split(MARK_END, 1)[1]
    path.write_text(f"{head}{MARK_START}\n{text}{MARK_END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k,1M", help="comma-separated: 10k, 100k, 1M or a number")
    ap.add_argument(
        "--data", default=str(Path(tempfile.gettempdir()) / "ruian-bench"), help="where the sets live"
    )
    ap.add_argument("--max-rss-gb", type=float, default=12.0, help="stop a worker above this RSS")
    ap.add_argument("--fiona-max", type=int, default=200_000, help="largest set read with fiona")
    ap.add_argument("--fiona-all", action="store_true", help="read every size with fiona too")
    ap.add_argument("--json", help="also save the figures as JSON here")
    ap.add_argument("--last-stage", choices=STAGES, help="stop each side after this stage (e.g. screen)")
    ap.add_argument(
        "--workers", default="ours,baseline,reads", help="which sides to run (default: ours,baseline,reads)"
    )
    ap.add_argument(
        "--worker-timeout",
        type=float,
        default=None,
        help="stop a worker after this many seconds (its finished stages are kept)",
    )
    ap.add_argument("--write", action="store_true", help="replace the table in benchmarks/RESULTS.md")
    ap.add_argument("--worker", choices=["ours", "baseline", "reads"], help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--fiona", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker(args)
        return 0
    results = []
    for size in [s.strip() for s in args.sizes.split(",") if s.strip()]:
        print(f"benchmarking {size} …", file=sys.stderr, flush=True)
        results.append(measure(size, args))
    text = f"Run {machine()}.\n\n{table(results)}"
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    if args.write:
        _write_results(text, HERE / "RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
