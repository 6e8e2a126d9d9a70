"""The yearly review's answer: its headline cards and the few sentences that open the report."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import polars as pl

from cxlab._present import Headline, _, join_sentences
from cxlab._result import Result
from cxlab.review._scorecard import pair_texts
from cxlab.review._show import cap, kpi_name, mid
from cxlab.review._year import ReviewYear
from cxlab.review._year_kpis import YearKpis
from cxlab.review._year_targets import YearChanges, YearTargets
from cxlab.review._year_volume import YearVolume

TILE_KPIS = [("fcr", "all"), ("csat", "all"), ("aht", "all")]


@dataclass(frozen=True)
class YearAnswer(Result):
    """The year in a few cards and sentences: volume and its change, targets met, FCR, CSAT and
    handle time against the previous year, the biggest improvement and the weakest area."""

    year: ReviewYear
    volume: YearVolume
    kpis: YearKpis
    targets: YearTargets
    changes: YearChanges

    @property
    def title(self) -> str:
        return _("The year in review, {year}").format(year=self.year.text)

    def _kpi_card(self, kpi: str, scope: str) -> Headline | None:
        r = self.kpis.row(kpi, scope)
        if r is None or r["value"] is None:
            return None
        t = self.targets.table.filter(pl.col("kpi") == kpi, pl.col("scope") == scope)
        target = t["target"][0] if t.height else None
        return Headline(
            key=f"year_{kpi}:{scope}",
            label=kpi_name(kpi, scope),
            value=r["value"],
            unit=r["unit"],
            target=target,
            direction=t["direction"][0] if t.height else None,
            period=self.year.current.iso,
            change=r["change"],
            compared_to="previous",
            higher_is_better=r["higher_is_better"],
        )

    def headline(self) -> list[Headline]:
        """Contacts in the year, targets met, then FCR, CSAT and handle time."""
        out = self.volume.headline() + self.targets.headline()
        out += [c for c in (self._kpi_card(k, s) for k, s in TILE_KPIS) if c is not None]
        return out

    def cards(self) -> list[Headline]:
        """The headline cards, then every target's card (kept in the metrics file)."""
        return self.headline() + [
            Headline(**{**c.__dict__, "key": f"year_target_{c.key}"}) for c in self.targets.cards()
        ]

    def summary(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                {"key": c.key, "value": c.value_text(compact=False), "status": c.status or ""}
                for c in self.headline()
            ],
            schema={"key": pl.Utf8, "value": pl.Utf8, "status": pl.Utf8},
        )

    def findings(self) -> list[str]:
        out = []
        coverage = self.year.coverage_text()
        if coverage:
            out.append(coverage)
        out.append(self.volume.findings()[1 if coverage else 0])
        k, n = self.targets.met()
        if n:
            missed = [c for c in self.targets.cards() if c.status == "missed"]
            words = _("{met} of {total} targets were met over the year.").format(met=k, total=n)
            if missed:
                words = join_sentences(
                    words,
                    _("Missed: {items}.").format(items=_(", ").join(mid(c.label) for c in missed)),
                )
            out.append(words)
        moved = []
        for kpi, scope in TILE_KPIS:
            r = self.kpis.row(kpi, scope)
            if r is None or r["value"] is None or r["change"] is None:
                continue
            value, before, change = pair_texts(r["value"], r["previous"], r["change"], r["unit"])
            moved.append(
                _("{metric} {value} against {before} ({change})").format(
                    metric=mid(kpi_name(kpi, scope)), value=value, before=before, change=change
                )
            )
        if moved:
            out.append(
                cap(
                    _("{items} {compared}.").format(
                        items=_(", ").join(moved), compared=self.year.compare_words()
                    )
                )
            )
        better, worse = self.changes.improvements(1), self.changes.weakest(1)
        if better.height:
            r = better.row(0, named=True)
            out.append(
                _("Largest improvement for its level: {where}, {evidence}.").format(
                    where=self.changes._where(r), evidence=self.changes._evidence(r)
                )
            )
        if worse.height:
            r = worse.row(0, named=True)
            out.append(
                _("Weakest area: {where}, {evidence}.").format(
                    where=self.changes._where(r), evidence=self.changes._evidence(r)
                )
            )
        return out

    def plot(self) -> go.Figure:
        """The month-by-month KPIs (see :meth:`YearKpis.plot`)."""
        return self.kpis.plot()


def year_answer(
    volume: YearVolume, kpis: YearKpis, targets: YearTargets, changes: YearChanges
) -> YearAnswer:
    """The answer that opens the yearly review, from its sections (all of one year)."""
    years = {r.year.current for r in (volume, kpis, targets, changes)}
    if len(years) != 1:
        from cxlab._errors import OptionError

        raise OptionError(
            "year_answer() was given sections of different years: "
            + ", ".join(sorted(p.label for p in years))
            + "; compute every section for one year."
        )
    return YearAnswer(volume.year, volume, kpis, targets, changes)
