# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A hazard register with `hazard_rules`
#
# A county analyst's afternoon: evaluate the whole register of hazards found by
# township inspectors, list the overdue ones by township, see how risk colours
# are spread, check what the national ruleset would decide instead of
# Jinhua's, and roll up a county's village checklists and its year's targets.
#
# The register is made by `generate_register.py` (beside this notebook): 50,000
# plausible hazards across Jinhua's counties and townships. Open this file in
# Jupyter with jupytext, or run it as a script; `scripts/test-python.sh`
# executes it as a notebook so it cannot rot.

# %%
import os
import sys
import time
from pathlib import Path

import matplotlib

if "ipykernel" not in sys.modules:
    matplotlib.use("Agg")  # run as a script: no screen
import hazard_rules as hr
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

here = Path.cwd() if Path("generate_register.py").exists() else Path(__file__).resolve().parent
sys.path.insert(0, str(here))
import generate_register  # noqa: E402

N = int(os.environ.get("HAZARD_REGISTER_N", "50000"))
AS_OF = generate_register.AS_OF  # 2024-06-30: the library never reads the clock

# %% [markdown]
# ## The register
#
# One row per hazard, nested fields as dotted columns — what
# `pandas.json_normalize` makes of JSON records, and what a spreadsheet export
# looks like. A few rows carry data-entry mistakes (a sector code typo, a date
# written `2024/03/05`, an LEC factor that is not on the table).

# %%
records = generate_register.generate(N, seed=2024, bad_fraction=0.002)
register = generate_register.to_frame(records)
register["hazard.found_on"] = pd.to_datetime(register["hazard.found_on"], errors="coerce", format="%Y-%m-%d")
print(f"{len(register):,} hazards, {register.shape[1]} columns")
register[["id", "hazard.location.county", "hazard.location.township", "hazard.sector", "hazard.found_on"]].head()

# %% [markdown]
# ## Evaluate it
#
# `evaluate_many` takes the DataFrame as it is and returns one row per hazard,
# in order, with the same index: every decision field as a column, and an
# `error` column for the records that could not be decided (the batch goes on).

# %%
rules = hr.Ruleset.default()
print(rules)
started = time.perf_counter()
decided = rules.evaluate_many(register, as_of=AS_OF)
seconds = time.perf_counter() - started
print(f"{len(decided):,} decisions in {seconds:.1f} s ({len(decided) / seconds:,.0f} per second)")
decided.filter(like="rectification.").head()

# %%
errors = decided[decided["error"].notna()]
print(f"{len(errors)} records with errors")
errors[["id", "error_path", "error"]].head(10)

# %% [markdown]
# ## Overdue hazards by township
#
# Join the decisions back to the register by index and count what is overdue.

# %%
where = register[["hazard.location.county", "hazard.location.township", "hazard.sector"]]
view = where.join(decided)
overdue = view[view["rectification.status"] == "overdue"]
by_township = (
    overdue.groupby(["hazard.location.county", "hazard.location.township"])
    .agg(
        overdue=("id", "size"),
        major=("classification.level", lambda s: int((s == "major").sum())),
        worst_days=("rectification.overdue_days", "max"),
    )
    .sort_values(["overdue", "worst_days"], ascending=False)
)
print(f"{len(overdue):,} overdue hazards in {len(by_township)} townships")
by_township.head(15)

# %%
# The longest overdue major hazards, with who must act and what escalation follows.
longest = overdue[overdue["classification.level"] == "major"].nlargest(5, "rectification.overdue_days")
longest[
    [
        "id",
        "hazard.location.township",
        "rectification.due",
        "rectification.overdue_days",
        "responsibility.supervising_level",
        "rectification.escalation",
    ]
]

# %% [markdown]
# One of them, explained: a decision shows its sections and the trace of every
# rule and table row that fired (in Chinese and English).

# %%
rules.evaluate(register.loc[longest.index[0]], as_of=AS_OF)

# %% [markdown]
# ## Risk colours
#
# Each hazard's risk point was scored (LEC or LS) and its unit coloured from
# the points and the unit's signals (open major hazards, overdue hazards,
# accidents, standardisation grade).

# %%
colours = ["red", "orange", "yellow", "blue"]
shades = {"red": "#d62728", "orange": "#ff7f0e", "yellow": "#e7c000", "blue": "#1f77b4"}
unit_colours = pd.crosstab(view["hazard.location.county"], view["risk.unit.colour"]).reindex(
    columns=colours, fill_value=0
)
display(unit_colours)

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
counts = view["risk.unit.colour"].value_counts().reindex(colours, fill_value=0)
axes[0].bar(counts.index, counts.values, color=[shades[c] for c in counts.index])
axes[0].set_title("Units by risk colour (all hazards)")
axes[0].set_ylabel("hazards")
unit_colours.rename(index=generate_register.COUNTY_EN).plot(
    kind="bar", stacked=True, color=[shades[c] for c in colours], ax=axes[1], legend=True
)
axes[1].set_title("Units by risk colour, by county")
axes[1].set_xlabel("")
plt.tight_layout()
if "ipykernel" in sys.modules:
    plt.show()
else:
    plt.savefig(os.environ.get("HAZARD_FIGURE", os.devnull), format="png")
plt.close(fig)

# %% [markdown]
# ## National rules vs Jinhua's
#
# Jinhua's overlay shortens the periods of hazards listed for supervision
# ("市级60日、县级30日": city 60 days, county 30) against the national defaults
# (city 90, county 60). Evaluate the same register with the national chain and
# see which decisions change.

# %%
national = hr.Ruleset.embedded("national").evaluate_many(register, as_of=AS_OF)
fields = ["rectification.period_days", "rectification.due", "rectification.status"]
changed = pd.Series(False, index=decided.index)
for f in fields:
    changed |= decided[f].astype("string").fillna("") != national[f].astype("string").fillna("")
print(
    f"{int(changed.sum()):,} of {len(decided):,} decisions change; all of them listed hazards:",
    bool(register.loc[changed, "hazard.listing.level"].notna().all()),
)
pd.crosstab(
    national.loc[changed, "rectification.status"].rename("national"),
    decided.loc[changed, "rectification.status"].rename("jinhua"),
)

# %%
compare = pd.DataFrame(
    {
        "listing": register.loc[changed, "hazard.listing.level"],
        "national period": national.loc[changed, "rectification.period_days"],
        "jinhua period": decided.loc[changed, "rectification.period_days"],
        "national due": national.loc[changed, "rectification.due"],
        "jinhua due": decided.loc[changed, "rectification.due"],
        "national status": national.loc[changed, "rectification.status"],
        "jinhua status": decided.loc[changed, "rectification.status"],
    }
)
summary = compare.groupby(["listing", "national status", "jinhua status"]).size().rename("hazards")
display(summary.to_frame())
assert (compare["jinhua period"] <= compare["national period"]).all()
compare.head(10)

# %% [markdown]
# The same comparison in one call: `hr.diff` decides the register with both
# rulesets and reports every field that changes, with how (the CLI's
# `hazard-rules diff --base rulesets/national --head rulesets/zhejiang/jinhua`
# prints the same). Dates move by whole days; the periods by 30.

# %%
changes = hr.diff(register, hr.Ruleset.embedded("national"), hr.Ruleset.embedded("zhejiang/jinhua"), AS_OF)
assert changes.attrs["changed"] == int(changed.sum()), (changes.attrs, int(changed.sum()))
changes[["field", "changed", "moved", "median_days", "median_delta", "transitions"]]

# %% [markdown]
# ## County roll-up: village checklists and the year's targets
#
# Township staff tick, for each village, the items of the "七个一" checklist
# (the ruleset's `village_7`: a grid responsibility list, an evacuation map, a
# monitoring and warning set, a shelter, emergency supplies, warning signs, and
# a drill within the 365 days before the as-of date). `evaluate_many` tells
# each village what it lacks; by township that is the county's picture.

# %%
COUNTY = "婺城区"
villages = generate_register.to_frame(generate_register.generate_checklists(COUNTY))
checked = villages[["checklist.subject.township"]].join(rules.evaluate_many(villages, as_of=AS_OF))
assert checked["error"].isna().all(), checked[checked["error"].notna()].head()
by_village_township = (
    checked.groupby("checklist.subject.township")
    .agg(
        villages=("id", "size"),
        complete=("standardisation.complete", "sum"),
        share_done=("standardisation.share_done", "mean"),
        drill_stale=("standardisation.stale", lambda s: sum("drill" in x for x in s)),
    )
    .assign(complete_pct=lambda t: (100 * t["complete"] / t["villages"]).round(1))
    .sort_values("complete_pct")
)
print(f"{COUNTY}: {int(checked['standardisation.complete'].sum())} of {len(checked)} villages complete")
display(by_village_township)
# What the incomplete villages lack most often.
checked["standardisation.missing"].explode().dropna().value_counts()

# %% [markdown]
# The county's year against the ruleset's targets (the defaults are those of
# 金华's 2021 work points): each target met or not, the limit (for the
# reductions, the mean of the two previous years × (1 − the reduction)) and the
# margin. The chart shows each margin as a share of its limit: to the right of
# zero the target is met.

# %%
year = rules.evaluate(generate_register.county_year(COUNTY, 2023), as_of=AS_OF).targets
assert year is not None
targets = pd.DataFrame([r.to_dict() for r in year.results]).set_index("id")
display(targets[["zh", "value", "base", "limit", "margin", "met"]])
relative = [0.0 if r.margin is None or r.limit == 0 else 100 * r.margin / r.limit for r in year.results]
fig, ax = plt.subplots(figsize=(8, 4))
ax.barh(targets.index, relative, color=["#2ca02c" if m else "#d62728" for m in targets["met"]])
ax.axvline(0, color="black", linewidth=0.8)
ax.invert_yaxis()
ax.set_xlabel("margin, % of the limit (right of 0: met)")
ax.set_title(f"{generate_register.COUNTY_EN[COUNTY]} {year.year}: {year.met} of {len(year.results)} targets met")
plt.tight_layout()
if "ipykernel" in sys.modules:
    plt.show()
else:
    plt.savefig(os.environ.get("HAZARD_FIGURE", os.devnull), format="png")
plt.close(fig)

# %%
# Every county's year at once: one row each, `targets.met` out of eight.
years = rules.evaluate_many([generate_register.county_year(c, 2023) for c in generate_register.TOWNSHIPS], as_of=AS_OF)
years[["id", "targets.met", "targets.all_met"]]
