#!/usr/bin/python3
"""Regenerates results/README.md and results/plots/*.svg from results/*.json.

    /usr/bin/python3 analysis/make_table.py [--results DIR] [--out FILE]

--results is the folder of stored runs (default: results/ beside this
script's folder); --out the README to write (default: DIR/README.md); the
plots go to plots/ beside it.  Regenerating from the same runs gives the same
bytes.

All files are read and checked before anything is written.  A missing or
malformed results file ends the script with one line on stderr and exit
status 2, leaving the previous README and plots as they were.  Output is
written to temporary files in the destination folders and renamed into place
at the end; plots of runs no longer present are removed.  The Go calibration
section that analysis/calibrate.py writes between its marker comments is not
made from these runs: it is carried over from the previous README as it was,
and stays last.  The counts under valgrind in results/valgrind/*.json (made
by analysis/count.sh, read by analysis/instructions.py) make a section after
the runs' when there are any; they are checked like the runs.  So do the
sweeps over mutator counts in results/scaling/ (made and read by
analysis/scaling.py), after that, each with its plot in plots/; and the
tallies of redundant barrier work in results/redundancy/ (made and read by
analysis/redundancy.py) after those.

Needs Debian's python3 with numpy, scipy and matplotlib (python3-numpy,
python3-scipy, python3-matplotlib).
"""

import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import common  # noqa: E402
import instructions  # noqa: E402
import redundancy  # noqa: E402
import runs  # noqa: E402
import scaling  # noqa: E402

EXIT_BAD_INPUT = 2
PLOTS_DIR = "plots"
# analysis/calibrate.py's section (markers included), kept across rebuilds.
_CALIBRATION = re.compile(
    r"<!-- calibration:begin[^\n]*-->.*?<!-- calibration:end -->\n?", re.S)


def _parse_args(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    default_results = os.path.join(os.path.dirname(here), "results")
    p = argparse.ArgumentParser(
        description="Regenerate the results table and plots from stored "
                    "wbbench runs.")
    p.add_argument("--results", default=default_results,
                   help="folder of stored runs (*.json); default %(default)s")
    p.add_argument("--out", default=None,
                   help="README to write; default RESULTS/README.md "
                        "(plots go to plots/ beside it)")
    return p.parse_args(argv)


def build(all_runs, counts=(), scalings=(), tallies=()):
    """{relative path: bytes} of everything to write, README last.

    counts: the valgrind counts (instructions.load_dir), whose section
    follows the runs'; scalings: the sweeps (scaling.load_dir), whose
    section follows that; tallies: the --redundancy reports
    (redundancy.load_dir), whose section follows that.
    """
    # Imported here so that bad input is reported before matplotlib loads.
    import plots
    import table
    outputs = {}
    for run in all_runs:
        names = table.plot_names(run)
        outputs[os.path.join(PLOTS_DIR, names["cost"])] = plots.cost_plot(run)
        outputs[os.path.join(PLOTS_DIR, names["ratio"])] = plots.ratio_plot(run)
    for sweep in scalings:
        outputs[os.path.join(PLOTS_DIR, scaling.plot_name(sweep))] = \
            scaling.plot(sweep)
    readme = table.render(all_runs)
    if counts:
        readme += "\n" + instructions.render(list(counts))
    if scalings:
        readme += "\n" + scaling.render(list(scalings))
    if tallies:
        readme += "\n" + redundancy.render(list(tallies))
    outputs["README.md"] = readme.encode("utf-8")
    return outputs


def keep_calibration(out_readme: str, outputs) -> None:
    """Appends the previous README's calibration section, if it had one."""
    try:
        with open(out_readme, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        return
    m = _CALIBRATION.search(old)
    if m:
        section = m.group(0).rstrip("\n") + "\n"
        outputs["README.md"] += ("\n" + section).encode("utf-8")


def write_all(out_readme: str, outputs) -> None:
    """Writes every output to a temp file, then renames them all into place."""
    out_dir = os.path.dirname(os.path.abspath(out_readme))
    plots_dir = os.path.join(out_dir, PLOTS_DIR)
    os.makedirs(plots_dir, exist_ok=True)
    staged = []
    try:
        for rel, data in outputs.items():
            dest = (os.path.abspath(out_readme) if rel == "README.md"
                    else os.path.join(out_dir, rel))
            staged.append((common.stage_file(os.path.dirname(dest),
                                       os.path.basename(dest), data), dest))
    except BaseException:
        for tmp, _ in staged:
            os.unlink(tmp)
        raise
    for tmp, dest in staged:  # README is last
        os.replace(tmp, dest)
    keep = {os.path.basename(d) for _, d in staged}
    for name in sorted(os.listdir(plots_dir)):
        if name.endswith(".svg") and name not in keep:
            os.unlink(os.path.join(plots_dir, name))


def regenerate(results: str, prog: str) -> int:
    """main() on results, as a script that stored something there calls it
    (analysis/redundancy.py); 0 with a line on stderr when results
    holds no timed runs (a sweep stored into a fresh folder), since the
    README is made from those."""
    if not runs.json_files(results):
        print(f"{prog}: {results} has no timed runs; README not "
              "regenerated", file=sys.stderr)
        return 0
    return main(["--results", results])


def main(argv=None) -> int:
    args = _parse_args(argv)
    out = args.out or os.path.join(args.results, "README.md")
    try:
        all_runs = runs.load_dir(args.results)
        counts = instructions.load_dir(
            os.path.join(args.results, instructions.FOLDER))
        scalings = scaling.load_dir(os.path.join(args.results,
                                                 scaling.FOLDER))
        tallies = redundancy.load_dir(os.path.join(args.results,
                                                   redundancy.FOLDER))
    except runs.ResultsError as e:
        print(f"make_table: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out_dir = os.path.dirname(os.path.abspath(out))
    if not os.path.isdir(out_dir):
        print(f"make_table: {out_dir}: output folder does not exist",
              file=sys.stderr)
        return EXIT_BAD_INPUT
    outputs = build(all_runs, counts, scalings, tallies)
    keep_calibration(out, outputs)
    write_all(out, outputs)
    counted = f" and {len(counts)} valgrind count(s)" if counts else ""
    if scalings:
        counted += f" and {len(scalings)} scaling sweep(s)"
    if tallies:
        counted += f" and {len(tallies)} redundancy report(s)"
    print(f"make_table: wrote {out} and "
          f"{len(all_runs) * 2 + len(scalings)} plots from "
          f"{len(all_runs)} run(s){counted}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
