"""Render benchmark results as the text report, with the trivia bot's figures as ratios of the baseline's."""

from __future__ import annotations

from typing import Any

REPORT_KINDS = ("start", "click", "answer", "leaderboard", "stats", "all")
MEMORY_GROWTH_LIMIT = 512 * 1024
"""Bytes per active round below which memory growth counts as small."""
STEADY_CPU_LIMIT = 1.3
"""CPU per stored answer at a steady rate, as a multiple of the baseline's (issue 12)."""
STORAGE_QUERY_LIMIT = 0.001
"""Seconds: leaderboard and stats must answer faster than this at 1,000,000 answers."""
THROUGHPUT_SHARE_LIMIT = 0.6
"""The trivia bot must sustain at least this share of the baseline's click rate."""
HALF_P99_LIMIT = 1.5
"""p99 at half the baseline's saturation rate, as a multiple of the baseline's."""


def ms(seconds: float | None) -> str:
    """Format seconds as milliseconds."""
    return "-" if seconds is None else f"{seconds * 1000:.1f}"


def mib(size: float | None) -> str:
    """Format bytes as MiB."""
    return "-" if size is None else f"{size / 2**20:.1f} MiB"


def ratio(mine: float | None, theirs: float | None) -> str:
    """Format mine/theirs as a multiplier."""
    if mine is None or not theirs:
        return "-"
    return f"{mine / theirs:.2f}x"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))
    out = [line.rstrip(), "  ".join("-" * w for w in widths)]
    out += [
        "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    return out


def missed_total(results: dict[str, Any], system: str) -> int:
    """Return every interaction of ``system`` ("trivia" or "baseline") that missed its deadline at a load the
    baseline sustains: the rounds workload, the half-rate steps, and ramp steps up to the baseline's rate."""
    rounds = results.get("rounds" if system == "trivia" else "baseline_rounds", {})
    missed = int(rounds.get("kinds", {}).get("all", {}).get("missed", 0))
    saturation = results.get("saturation", {})
    rate = saturation.get("baseline_rate") or saturation.get("first_baseline_rate", 0.0)
    for step in saturation.get(f"{system}_steps", []):
        # Misses above the baseline's own saturation rate are expected: that is how saturation is found.
        if step["offered_rate"] <= rate:
            missed += int(step["clicks"]["missed"])
    missed += int(saturation.get("half", {}).get(system, {}).get("missed", 0))
    for run in results.get("steady", {}).get("runs", []):
        missed += sum(int(row[system]["clicks"]["missed"]) for row in run.values())
    return missed


def targets(results: dict[str, Any], storage: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    """Return (target, measured, met, what limits it) rows."""
    rows: list[tuple[str, str, str, str]] = []
    if not results:
        return rows + _storage_targets(storage)
    saturation = results.get("saturation", {})
    rounds = results.get("rounds", {})
    trivia_missed = missed_total(results, "trivia")
    baseline_missed = int(results.get("baseline_rounds", {}).get("kinds", {}).get("all", {}).get("missed", 0))
    rows.append(
        (
            "zero missed deadlines at loads the baseline sustains",
            f"trivia {trivia_missed} missed (baseline {baseline_missed} on the rounds trace)",
            "met" if trivia_missed == 0 else "NOT met",
            "see the per-kind table" if trivia_missed else "",
        )
    )
    base_rate, trivia_rate = saturation.get("baseline_rate", 0.0), saturation.get("trivia_rate", 0.0)
    if base_rate:
        share = trivia_rate / base_rate
        rows.append(
            (
                f"answer throughput >= {THROUGHPUT_SHARE_LIMIT} x baseline",
                f"{trivia_rate:.0f}/s vs {base_rate:.0f}/s = {share:.2f}",
                "met" if share >= THROUGHPUT_SHARE_LIMIT else "NOT met",
                _saturation_limit(saturation.get("trivia_steps", [])),
            )
        )
    half = saturation.get("half", {})
    if half.get("trivia") and half.get("baseline"):
        mine, theirs = half["trivia"]["p99"], half["baseline"]["p99"]
        rows.append(
            (
                f"p99 at half the baseline's saturation ({half['rate']:.0f}/s) <= {HALF_P99_LIMIT} x baseline",
                f"{ms(mine)} ms vs {ms(theirs)} ms = {ratio(mine, theirs)} (medians)",
                "met" if mine <= HALF_P99_LIMIT * theirs else "NOT met",
                _half_limit(half),
            )
        )
    rows += _steady_targets(results.get("steady"))
    rows += _storage_targets(storage)
    writes = rounds.get("channel_writes")
    if writes:
        rows.append(
            (
                "<= 1 channel message create/edit per second per channel (steady state)",
                f"max {writes['steady_max_per_1s']} in any 1 s, mean {writes['mean_per_second']:.2f}/s",
                "met" if writes["steady_max_per_1s"] <= 1 else "NOT met",
                f"{writes['channels_over_one_per_second']} channel(s) over 1/s"
                if writes["steady_max_per_1s"] > 1
                else "",
            )
        )
    growth = rounds.get("memory_growth_per_round_bytes")
    if not rounds:
        return rows
    rows.append(
        (
            "memory growth per active round reported and small",
            "-" if growth is None else f"{growth / 1024:.0f} KiB per round",
            "-" if growth is None else ("met" if growth < MEMORY_GROWTH_LIMIT else "NOT met"),
            "",
        )
    )
    return rows


def _saturation_limit(steps: list[dict[str, Any]]) -> str:
    failed = next((s for s in steps if not s["sustained"]), None)
    if failed is None:
        return "not saturated within the ramp: a lower bound"
    return (
        f"at {failed['offered_rate']:.0f}/s the bot's event loop used {failed['bot_cpu_percent']:.0f}% of a core "
        f"and the driver {failed['driver_cpu_percent']:.0f}% of the other"
    )


def _half_limit(half: dict[str, Any]) -> str:
    def cpu(name: str) -> float:
        steps = half.get(f"{name}_steps", [])
        return float(sum(s["bot_cpu_percent"] for s in steps)) / max(1, len(steps))

    return f"bot CPU {cpu('trivia'):.0f}% vs {cpu('baseline'):.0f}% at this rate: more work per click, more queueing"


def _spread(values: dict[str, float] | None, unit: str = "x", scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "-"
    return "/".join(f"{values[k] * scale:.{digits}f}" for k in ("min", "median", "max")) + unit


def _cpu_ms(values: dict[str, float] | None) -> str:
    return "-" if not values else f"{values['median'] * 1000:.3f} ms"


def _steady_targets(steady: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    if not steady:
        return []
    rows = []
    rate, runs = steady["options"]["rate"], len(steady["runs"])
    for kind, label in (("click", "clicks"), ("answer", "/answer")):
        summary = steady["summary"][kind]
        cpu = summary["cpu_ratio"]
        if cpu is None:
            continue
        mine, theirs = summary["trivia_cpu_seconds_per_answer"], summary["baseline_cpu_seconds_per_answer"]
        rows.append(
            (
                f"CPU per stored answer at {rate:.0f}/s, {label}, <= {STEADY_CPU_LIMIT} x baseline",
                f"{_spread(cpu)} (min/median/max of {runs} run(s))",
                "met" if cpu["median"] <= STEADY_CPU_LIMIT else "NOT met",
                f"median {_cpu_ms(mine)} vs {_cpu_ms(theirs)} of CPU per answer",
            )
        )
    return rows


def format_steady(steady: dict[str, Any]) -> list[str]:
    """Render the steady-rate pass: every step, then min/median/max over the runs."""
    options = steady["options"]
    together = (
        "the two bots take their steps in turn"
        if options.get("in_turn", True)  # runs saved before side-by-side steps took them in turn
        else "the two bots take each step side by side, offered at the same moments"
    )
    out = [
        f"Steady rate: {options['rate']:.0f}/s for {options['seconds']:g} s per step, {options['runs']} run(s); "
        f"every trivia interaction is a stored answer (a changed choice, or a new typed answer); {together}. "
        "CPU = the bot process's user+system CPU (all threads) until every interaction was answered, per stored "
        "answer (trivia: read from its database) or per answered interaction (baseline); other = the machine's CPU "
        "but the two bots' and the driver's"
    ]
    rows = []
    for number, run in enumerate(steady["runs"], start=1):
        for kind, row in run.items():
            for name in ("trivia", "baseline"):
                one = row[name]
                rows.append(
                    [
                        str(number),
                        kind,
                        name,
                        f"{one['achieved_rate']:.0f}",
                        str(one["answers"]),
                        "-" if one["cpu_seconds_per_answer"] is None else f"{one['cpu_seconds_per_answer'] * 1000:.3f}",
                        ratio(one["cpu_seconds_per_answer"], row["baseline"]["cpu_seconds_per_answer"]),
                        ms(one["clicks"]["p50"]),
                        ms(one["clicks"]["p99"]),
                        str(one["clicks"]["missed"]),
                        f"{one['bot_cpu_percent']:.0f}%",
                        f"{one['driver_cpu_percent']:.0f}%",
                        f"{one['other_cpu_percent']:.0f}%",
                        f"{one['steal_percent']:.0f}%",
                        f"{row['load_average']:.1f}",
                    ]
                )
    header = ["run", "kind", "system", "sent/s", "answers", "CPU ms/answer", "x base", "p50 ms", "p99 ms", "missed"]
    out += _table([*header, "bot CPU", "driver", "other", "steal", "load avg"], rows)
    out.append("")
    summary_rows = []
    for kind, summary in steady["summary"].items():
        summary_rows.append(
            [
                kind,
                _spread(summary["cpu_ratio"]),
                _spread(summary["trivia_cpu_seconds_per_answer"], "", 1000, 3),
                _spread(summary["baseline_cpu_seconds_per_answer"], "", 1000, 3),
                _spread(summary["trivia_p99"], "", 1000, 1),
                _spread(summary["baseline_p99"], "", 1000, 1),
                _spread(summary["p99_ratio"]),
                _spread(summary["other_cpu_percent"], "%", 1, 0),
            ]
        )
    header = ["kind", "CPU/answer x base", "trivia ms CPU", "base ms CPU", "trivia p99 ms", "base p99 ms", "p99 x"]
    out += ["min/median/max over the runs:", *_table([*header, "other load"], summary_rows)]
    return out


def _storage_targets(storage: dict[str, Any] | None) -> list[tuple[str, str, str, str]]:
    if not storage:
        return []
    commands = [q for q in storage["queries"].values() if not q.get("informational")]
    worst = max(commands, key=lambda q: q["p99"])
    return [
        (
            f"leaderboard and stats < 1 ms at {storage['answers']:,} answers",
            f"worst p99 {ms(worst['p99'])} ms ({worst['name']})",
            "met" if worst["p99"] < STORAGE_QUERY_LIMIT else "NOT met",
            "",
        )
    ]


def format_load(results: dict[str, Any]) -> list[str]:
    """Render the load benchmark."""
    out: list[str] = []
    profile, rounds, base = results["profile"], results.get("rounds", {}), results.get("baseline_rounds", {})
    out.append(
        f"Rounds workload: {profile['channels']} channels x {profile['players']} players, {profile['rounds']} round(s) "
        f"of {profile['questions']} questions x {profile['seconds']} s, {profile['lookups_per_second']} look-ups/s, "
        f"seed {profile['seed']}"
    )
    out.append(
        f"  trivia: {rounds.get('interactions', 0)} interactions in {rounds.get('seconds', 0):.1f} s, "
        f"{rounds.get('rounds_finished', 0)} rounds finished, {rounds.get('skipped_clicks', 0)} clicks skipped "
        f"(question already closed); baseline replayed {base.get('interactions', 0)} in {base.get('seconds', 0):.1f} s"
    )
    for failure in rounds.get("failures", []):
        out.append(f"  FAILURE: {failure}")
    out.append("")
    out.append("Latency from INTERACTION_CREATE dispatch to the callback's arrival (ms); missed = late (> 3 s) or none")
    header = [
        "kind",
        "n",
        "handled/s",
        "p50",
        "p95",
        "p99",
        "max",
        "missed",
        "errors",
        "base p50",
        "base p99",
        "base missed",
        "p50 x",
        "p99 x",
    ]
    rows = []
    for kind in REPORT_KINDS:
        mine = rounds.get("kinds", {}).get(kind)
        theirs = base.get("kinds", {}).get(kind)
        if mine is None:
            continue
        theirs = theirs or {}
        rows.append(
            [
                kind,
                str(mine["count"]),
                f"{mine['per_second']:.1f}",
                ms(mine["p50"]),
                ms(mine["p95"]),
                ms(mine["p99"]),
                ms(mine["max"]),
                str(mine["missed"]),
                str(mine["error_replies"]),
                ms(theirs.get("p50")),
                ms(theirs.get("p99")),
                str(theirs.get("missed", "-")),
                ratio(mine["p50"], theirs.get("p50")),
                ratio(mine["p99"], theirs.get("p99")),
            ]
        )
    out += _table(header, rows)
    out.append("")
    trivia_proc = results.get("trivia_process", {})
    rest, base_rest = rounds.get("rest", {}), base.get("rest", {})
    writes = rounds.get("channel_writes", {})
    growth = rounds.get("memory_growth_per_round_bytes")
    process_rows = [
        [
            "CPU s per 1,000 interactions",
            f"{rounds.get('cpu_seconds_per_1000', 0):.3f}",
            f"{base.get('cpu_seconds_per_1000', 0):.3f}",
            ratio(rounds.get("cpu_seconds_per_1000"), base.get("cpu_seconds_per_1000")),
        ],
        [
            "peak RSS (rounds workload)",
            mib(rounds.get("peak_rss_bytes")),
            mib(base.get("peak_rss_bytes")),
            ratio(rounds.get("peak_rss_bytes"), base.get("peak_rss_bytes")),
        ],
        [
            "REST calls per channel per second",
            f"{rest.get('per_channel_per_second', 0):.3f}",
            f"{base_rest.get('per_channel_per_second', 0):.3f}",
            ratio(rest.get("per_channel_per_second"), base_rest.get("per_channel_per_second")),
        ],
    ]
    out += _table(["process", "trivia", "baseline", "ratio"], process_rows)
    out.append("")
    out.append(f"  REST calls by kind (trivia): {rest.get('by_kind', {})}")
    steady_1s, steady_5s = writes.get("steady_max_per_1s", "-"), writes.get("steady_max_per_5s", "-")
    out.append(
        f"  channel message creates+edits per channel: steady state max {steady_1s} in any 1 s "
        f"({steady_5s} in any 5 s), mean {writes.get('mean_per_second', 0):.2f}/s; "
        f"with the round-end standings post: max {writes.get('with_bursts_max_per_1s', '-')} in any 1 s"
    )
    out.append(
        f"  memory: idle RSS {mib(rounds.get('idle_rss_bytes'))}, with {rounds.get('active_rounds', 0)} rounds running "
        f"{mib(rounds.get('active_rss_bytes'))} -> growth per active round "
        f"{'-' if growth is None else f'{growth / 1024:.0f} KiB'}; peak RSS of the whole run "
        f"{mib(trivia_proc.get('peak_rss_bytes'))}"
    )
    for label, phase in (("rounds workload", rounds), ("replay", base)):
        cpu = phase.get("cpu")
        if cpu:
            out.append(
                f"  machine during the {label}: bot {cpu['bot_percent']:.0f}%, driver {cpu['driver_percent']:.0f}%, "
                f"other processes {cpu['other_percent']:.0f}%, hypervisor steal {cpu['steal_percent']:.0f}% "
                "(percent of one core)"
            )
    stored = trivia_proc.get("answers_stored", "-")
    out.append(
        f"  database: {mib(rounds.get('database_bytes'))} after the rounds, "
        f"{mib(trivia_proc.get('database_bytes_end'))} at the end ({stored} answers stored)"
    )
    saturation = results.get("saturation", {})
    titles = {
        "first_baseline": "baseline, alone (fixes the half rate)",
        "trivia": "trivia (steps taken in turn with the baseline's)",
        "baseline": "baseline (steps taken in turn with the trivia bot's)",
    }
    for system, title in titles.items():
        steps = saturation.get(f"{system}_steps", [])
        if not steps:
            continue
        out.append("")
        out.append(f"Click-rate ramp, {title}: {profile['step_seconds']:g} s steps until p99 > 1 s or a miss")
        out += _step_table(steps)
        note = ""
        if not any(not s["sustained"] for s in steps):
            note = " (the ramp ended before saturation: a lower bound)"
        out.append(f"  sustained up to {saturation.get(f'{system}_rate', 0):.0f} clicks/s{note}")
    half = saturation.get("half", {})
    if half.get("trivia") and half.get("baseline"):
        out.append("")
        out.append(
            f"At half the baseline's saturation rate ({half['rate']:.0f} clicks/s), "
            f"{len(half['trivia_steps'])} step(s) each, taken in turn:"
        )
        labelled = [("trivia", s) for s in half["trivia_steps"]] + [("baseline", s) for s in half["baseline_steps"]]
        out += _step_table([s for _, s in labelled], [name for name, _ in labelled])
        t, b = half["trivia"]["p99"], half["baseline"]["p99"]
        out.append(f"  median p99: trivia {ms(t)} ms, baseline {ms(b)} ms ({ratio(t, b)})")
    return out


def _step_table(steps: list[dict[str, Any]], names: list[str] | None = None) -> list[str]:
    rows = []
    for number, s in enumerate(steps):
        verdict = "driver-limited" if s["driver_limited"] else ("ok" if s["sustained"] else "saturated")
        rows.append(
            ([names[number]] if names else [])
            + [
                f"{s['offered_rate']:.0f}",
                f"{s['achieved_rate']:.0f}",
                ms(s["clicks"]["p50"]),
                ms(s["clicks"]["p99"]),
                ms(s["clicks"]["max"]),
                str(s["clicks"]["missed"]),
                f"{s['bot_cpu_percent']:.0f}%",
                f"{s['driver_cpu_percent']:.0f}%",
                f"{s.get('other_cpu_percent', 0):.0f}%",
                f"{s.get('steal_percent', 0):.0f}%",
                verdict,
            ]
        )
    header = ["offered/s", "sent/s", "p50", "p99", "max", "missed", "bot CPU", "driver", "other", "steal", ""]
    return _table((["system"] if names else []) + header, rows)


def format_storage(storage: dict[str, Any]) -> list[str]:
    """Render the storage micro-benchmarks."""
    backend = "PostgreSQL" if storage.get("storage") == "postgresql" else "SQLite"
    loaded = storage.get("postgres_load_seconds")
    cached = ", cached" if storage.get("cached") else ""
    out = [
        f"Storage: {backend}, {storage['answers']:,} answers by {storage['players']:,} players in "
        f"{storage['guilds']} guilds (built in {storage['build_seconds']:.1f} s{cached}"
        f"{f', copied into PostgreSQL and analyzed in {loaded:.1f} s' if loaded is not None else ''}; "
        f"{mib(storage['database_bytes'])})"
    ]
    rows = [
        [
            str(w["writers"]),
            str(w["answers"]),
            f"{w['per_second']:.0f}",
            ms(w["p50"]),
            ms(w["p99"]),
            str(w["commits"]),
            f"{w['answers'] / max(1, w['commits']):.1f}",
        ]
        for w in storage["writes"]
    ]
    if rows:
        out += _table(["writers", "answers", "answers/s", "p50 ms", "p99 ms", "commits", "per commit"], rows)
        out.append("")
    query_rows = [
        [q["name"], str(q["calls"]), f"{q['p50'] * 1e6:.0f}", f"{q['p99'] * 1e6:.0f}", f"{q['max'] * 1e6:.0f}"]
        for q in storage["queries"].values()
    ]
    out += _table(["query", "calls", "p50 us", "p99 us", "max us"], query_rows)
    return out


def format_targets(results: dict[str, Any], storage: dict[str, Any] | None) -> list[str]:
    """Render the targets table."""
    rows = [list(row) for row in targets(results, storage)]
    return ["Targets", *_table(["target", "measured", "status", "limited by"], rows)]


def format_report(results: dict[str, Any] | None, storage: dict[str, Any] | None) -> str:
    """Render the whole report."""
    out: list[str] = []
    machine = (results or storage or {}).get("machine", {})
    if machine:
        out.append(
            f"Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), Python {machine['python']}, "
            f"discord.py {machine['discord.py']}, SQLite {machine['sqlite']}; "
            f"uvloop {machine.get('uvloop') or 'not installed'} (trivia bot only), "
            f"orjson {machine.get('orjson') or 'not installed'} (discord.py in both bots), "
            f"SQLITE_ANSWER_WRITES={machine.get('sqlite_answer_writes') or 'thread'} (trivia bot)"
        )
        out.append("")
    if results and "rounds" in results:
        out += format_load(results)
        out.append("")
    if results and results.get("steady"):
        out += format_steady(results["steady"])
        out.append("")
    if storage:
        out += format_storage(storage)
        out.append("")
    out += format_targets(results or {}, storage)
    if results:
        out.append("")
        out.append(
            f"missed deadlines: trivia {missed_total(results, 'trivia')}, baseline {missed_total(results, 'baseline')}"
        )
    return "\n".join(out)


def format_scale(scale: dict[str, Any]) -> str:
    """Render the side-by-side answers per second and p99 of each storage backend and process count."""
    machine = scale["machine"]
    profile = scale["profile"]
    out = [
        f"Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), Python {machine['python']}, "
        f"discord.py {machine['discord.py']}, SQLite {machine['sqlite']}",
        "",
        f"Scale: {profile['channels']} channels x {profile['players']} players in all, split over the processes; "
        "all setups running at once, ramped to saturation by the same click-rate ramp taking their steps in turn "
        "(a click records or changes an answer: one database write)",
    ]
    rows = [
        [
            item["label"],
            str(item["channels_per_process"]),
            f"{item['best_rate']:.0f}",
            ms(item["p99_at_best"]),
            f"{item['first_step_rate']:.0f}" if item["first_step_rate"] is not None else "-",
            ms(item["p99_at_first_step"]),
            f"{item['first_failed_rate']:.0f}" if item["first_failed_rate"] else "-",
            f"{item['other_percent']:.0f}%",
            f"{item['steal_percent']:.0f}%",
        ]
        for item in scale["setups"]
    ]
    out += _table(
        ["setup", "channels/process", "answers/s sustained", "p99 ms there", "first step /s", "p99 ms there",
         "first failed /s", "other CPU (mean)", "steal"],
        rows,
    )  # fmt: skip
    for item in scale["setups"]:
        out.append("")
        out.append(f"{item['label']} steps:")
        out += _step_table(item["steps"])
    return "\n".join(out)
