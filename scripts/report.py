"""Write reports/customer_levels.html: one self-contained page (Plotly inlined, no network) showing
the six levels, the funnel against its targets with the weakest stage, how fast people move, the
marketing-methods sheet with its gaps, cohort LTV, who to reach now and the buyer lifecycle
(new, resurrected, newly dormant, RFM groups); above them, the ad channels to add to
seeds/marketing_channels.csv, if any. Reads only the marts."""

from __future__ import annotations

import argparse
import datetime as dt
import html
import logging
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import plotly.graph_objects as go

SCRIPTS = Path(__file__).resolve().parent
REPO_ROOT = SCRIPTS.parent
sys.path.insert(0, str(SCRIPTS))
from build import published_or_working_database  # noqa: E402
from summary import fit_quality, unmapped_channels, unmapped_channels_notice  # noqa: E402

log = logging.getLogger("report")

WEAKEST_COLOUR, STAGE_COLOUR, TARGET_COLOUR = "#d62728", "#1f77b4", "#7f7f7f"


@dataclass
class Section:
    anchor: str
    title: str
    reading: str
    body: str


def rows(connection: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


class Charts:
    """Figures as HTML fragments; the Plotly library is inlined once, with the first figure."""

    def __init__(self) -> None:
        self.library_included = False

    def html(self, figure: go.Figure, height: int = 380) -> str:
        figure.update_layout(height=height, margin={"l": 60, "r": 20, "t": 30, "b": 50}, template="plotly_white",
                             autosize=True, legend={"orientation": "h", "y": -0.25})
        fragment = figure.to_html(full_html=False, include_plotlyjs=not self.library_included,
                                  config={"responsive": True, "displaylogo": False})
        self.library_included = True
        return fragment


def missing(message: str) -> str:
    return f'<p class="missing">{html.escape(message)}</p>'


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def interval_label(z: float | None) -> str:
    """The two-sided confidence of a normal quantile z as the marts used it (var
    opportunity_interval_z, stored as interval_z): 1.96 -> "95 % interval"."""
    if z is None:
        return "interval"
    level = 2 * statistics.NormalDist().cdf(float(z)) - 1
    return f"{level * 100:.3g} % interval"


def levels_section(connection, charts: Charts) -> Section:
    data = rows(connection, """
        select month, level_number, level_name, people, people_change, audience_reached
        from marts.mart_level_distribution
        where month = (select max(month) from marts.mart_level_distribution)
        order by level_number""")
    people = [r for r in data if r["level_number"] > 1]
    if not people or not any(r["people"] for r in people):
        return Section("levels", "1. The six levels", "No one is on a level yet.",
                       missing("No people yet: the store has no web events and no valid orders."))
    world = next((r for r in data if r["level_number"] == 1), None)
    figure = go.Figure(go.Bar(
        y=[f'{r["level_number"]} {r["level_name"]}' for r in people], x=[r["people"] for r in people],
        orientation="h", marker_color=STAGE_COLOUR,
        text=[f'{r["people"]:,} ({r["people_change"]:+,})' for r in people], textposition="auto"))
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(title="people (change on the month before)", type="log")
    total = sum(r["people"] for r in people)
    largest = max(people, key=lambda r: r["people"])
    reading = (f'{total:,} people on levels 2-6 on {people[0]["month"]:%B %Y}; most are '
               f'{largest["level_name"].replace("_", " ")}s ({largest["people"]:,}).')
    if world:
        reading += f' Ads reached {world["audience_reached"]:,} people (level 1) that month.'
    table = "".join(f'<tr><td>{r["level_number"]}</td><td>{r["level_name"]}</td>'
                    f'<td data-metric="people-level-{r["level_number"]}">{r["people"]:,}</td></tr>' for r in people)
    body = charts.html(figure) + f'<table class="numbers"><tr><th>level</th><th>name</th><th>people</th></tr>{table}</table>'
    return Section("levels", "1. The six levels", reading, body)


def latest_complete_month(connection) -> dt.date | None:
    return connection.execute(
        "select max(month) from marts.mart_stage_focus where is_complete_month").fetchall()[0][0]


def funnel_section(connection, charts: Charts, month: dt.date | None) -> Section:
    if month is None:
        return Section("funnel", "2. The funnel", "No complete month yet.", missing("No complete month to show yet."))
    focus = rows(connection, f"""
        select stage, stage_name, conversion_rate, target_conversion_rate, performance_index, is_weakest
        from marts.mart_stage_focus where month = date '{month}' order by stage""")
    figure = go.Figure([
        go.Bar(name="conversion", x=[f'{r["stage"]} {r["stage_name"]}' for r in focus],
               y=[r["conversion_rate"] for r in focus],
               marker_color=[WEAKEST_COLOUR if r["is_weakest"] else STAGE_COLOUR for r in focus]),
        go.Scatter(name="target", mode="markers", marker={"symbol": "line-ew-open", "size": 30, "color": TARGET_COLOUR},
                   x=[f'{r["stage"]} {r["stage_name"]}' for r in focus], y=[r["target_conversion_rate"] for r in focus]),
    ])
    figure.update_yaxes(tickformat=".1%", title="conversion in the month")
    trend = rows(connection, f"""
        select month, stage, conversion_rate from marts.mart_stage_funnel
        where month > date '{month}' - interval 12 month and month <= date '{month}' order by stage, month""")
    trend_figure = go.Figure([go.Scatter(name=f"stage {s}", mode="lines+markers",
                                         x=[r["month"] for r in trend if r["stage"] == s],
                                         y=[r["conversion_rate"] for r in trend if r["stage"] == s]) for s in range(1, 6)])
    trend_figure.update_yaxes(tickformat=".1%", type="log", title="conversion (log scale)")
    weakest = next((r for r in focus if r["is_weakest"]), None)
    if weakest:
        reading = (f'Weakest stage in {month:%B %Y}: stage {weakest["stage"]} {weakest["stage_name"]} at '
                   f'{pct(weakest["conversion_rate"])} against a target of {pct(weakest["target_conversion_rate"])} '
                   f'- work on it first.')
        callout = (f'<p class="weakest" id="weakest-stage">Work first on stage {weakest["stage"]}: '
                   f'<strong>{html.escape(weakest["stage_name"])}</strong></p>')
    else:
        reading, callout = f"No stage had candidates and a target in {month:%B %Y}.", ""
    opportunity_reading, opportunity_body = opportunity_part(connection, month)
    return Section("funnel", "2. The funnel", f"{reading} {opportunity_reading}".strip(),
                   callout + charts.html(figure) + opportunity_body + charts.html(trend_figure, 320))


def money(value) -> str:
    return "n/a" if value is None else f"{float(value):,.2f}"


def opportunity_part(connection, month: dt.date) -> tuple[str, str]:
    """The stage worth most in money (mart_stage_opportunity) beside the weakest, and the table behind it."""
    if not connection.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                              "and table_name = 'mart_stage_opportunity'").fetchone()[0]:
        return "", ""
    stages = rows(connection, f"""
        select stage, stage_name, candidates, converted, conversion_gap, value_per_conversion, opportunity_value,
               opportunity_value_low, opportunity_value_high, is_gap_uncertain, is_biggest_opportunity, is_weakest,
               interval_z
        from marts.mart_stage_opportunity where month = date '{month}' order by stage""")
    biggest = next((r for r in stages if r["is_biggest_opportunity"]), None)
    weakest = next((r for r in stages if r["is_weakest"]), None)
    if biggest is None:
        reading = "In money, no stage is short of its target this month."
        callout = '<p id="biggest-opportunity">In money, no stage is short of its target this month.</p>'
    else:
        uncertain = " - though the gap could be zero (the target is inside the rate's interval)" \
            if biggest["is_gap_uncertain"] else ""
        same = ("the same stage as the weakest" if weakest and weakest["stage"] == biggest["stage"]
                else f'not the weakest stage (stage {weakest["stage"]})' if weakest else "")
        reading = (f'Worth most in money: stage {biggest["stage"]} {biggest["stage_name"]}, about '
                   f'{money(biggest["opportunity_value"])} ({money(biggest["opportunity_value_low"])} to '
                   f'{money(biggest["opportunity_value_high"])}){uncertain}; {same}.')
        callout = (f'<p id="biggest-opportunity">Worth most in money: stage {biggest["stage"]} '
                   f'<strong>{html.escape(biggest["stage_name"])}</strong> ({html.escape(same)})</p>')
    table = "".join(
        f'<tr><td>{r["stage"]}</td><td>{html.escape(r["stage_name"])}</td><td>{r["candidates"]:,}</td>'
        f'<td>{r["converted"]:,}</td><td>{r["conversion_gap"]:+,.1f}</td><td>{money(r["value_per_conversion"])}</td>'
        f'<td data-metric="opportunity-{r["stage"]}">{money(r["opportunity_value"])}</td>'
        f'<td>{money(r["opportunity_value_low"])} to {money(r["opportunity_value_high"])}</td>'
        f'<td>{"yes" if r["is_gap_uncertain"] else ""}</td></tr>' for r in stages)
    body = (callout + "<table><tr><th>stage</th><th>name</th><th>candidates</th><th>converted</th>"
            "<th>gap to target</th><th>value of one more conversion</th><th>opportunity</th>"
            f"<th>{interval_label(stages[0]['interval_z'] if stages else None)}</th><th>gap could be zero</th></tr>"
            f"{table}</table>")
    return reading, body


def speed_section(connection, charts: Charts, month: dt.date | None) -> Section:
    speed = rows(connection, f"""
        select stage, stage_name, median(median_days_to_convert) as median_days,
               median(p90_days_to_convert) as p90_days, sum(converted) as converted
        from marts.mart_stage_funnel
        where stage > 1 and month > date '{month}' - interval 12 month and month <= date '{month}'
        group by stage, stage_name order by stage""") if month else []
    speed = [r for r in speed if r["converted"]]
    if not speed:
        return Section("speed", "3. Speed", "Nobody has passed a stage yet.", missing("No conversions to time yet."))
    labels = [f'{r["stage"]} {r["stage_name"]}' for r in speed]
    figure = go.Figure([go.Bar(name="median days", x=labels, y=[r["median_days"] for r in speed]),
                        go.Bar(name="90th percentile", x=labels, y=[r["p90_days"] for r in speed])])
    figure.update_yaxes(title="days from arriving on the level to passing the stage")
    slowest = max(speed, key=lambda r: r["median_days"] or 0)
    reading = (f'Over the last 12 months the slowest stage is {slowest["stage"]} {slowest["stage_name"]}: '
               f'a median of {slowest["median_days"]:.0f} days (monthly medians, median over the months).')
    return Section("speed", "3. Speed", reading, charts.html(figure))


def marketing_section(connection, charts: Charts, month: dt.date | None) -> Section:
    if month is None:
        return Section("marketing", "4. Marketing methods", "No complete month yet.", missing("No complete month yet."))
    sheet = rows(connection, f"""
        select stage, stage_name, marketing_methods, paid_channels, paid_spend, has_no_marketing
        from marts.mart_stage_focus where month = date '{month}' order by stage""")
    body_rows = "".join(
        f'<tr class="{"gap" if r["has_no_marketing"] else ""}"><td>{r["stage"]} {html.escape(r["stage_name"])}</td>'
        f'<td>{html.escape(r["marketing_methods"] or "-")}</td><td>{html.escape(r["paid_channels"] or "-")}</td>'
        f'<td>{r["paid_spend"]:,.2f}</td><td>{"GAP: no marketing" if r["has_no_marketing"] else ""}</td></tr>'
        for r in sheet)
    gaps = [str(r["stage"]) for r in sheet if r["has_no_marketing"]]
    reading = (f'In {month:%B %Y}, stage{"s" if len(gaps) > 1 else ""} {", ".join(gaps)} had no marketing at all.'
               if gaps else f"Every stage had some marketing in {month:%B %Y}.")
    table = ('<table class="sheet"><tr><th>stage</th><th>methods</th><th>paid channels</th>'
             f'<th>spend (reporting currency)</th><th></th></tr>{body_rows}</table>')
    labels = [f'{r["stage"]} {r["stage_name"]}' for r in sheet]
    figure = go.Figure(go.Bar(
        x=labels, y=[(r["marketing_methods"] or "").count(",") + (1 if r["marketing_methods"] else 0)
                     + (r["paid_channels"] or "").count(",") + (1 if r["paid_channels"] else 0) for r in sheet],
        marker_color=[WEAKEST_COLOUR if r["has_no_marketing"] else STAGE_COLOUR for r in sheet],
        text=["gap" if r["has_no_marketing"] else f'{r["paid_spend"]:,.0f} spent' if r["paid_spend"] else ""
              for r in sheet], textposition="outside"))
    figure.update_yaxes(title="methods and paid channels running", dtick=1)
    return Section("marketing", "4. Marketing methods", reading, charts.html(figure, 300) + table)


def cohort_section(connection, charts: Charts) -> Section:
    cells = rows(connection, """
        select cohort_month, acquisition_channel, months_since_first_order, ltv_per_customer, cohort_size
        from marts.mart_cohort_ltv order by acquisition_channel, cohort_month, months_since_first_order""")
    if not cells:
        return Section("cohorts", "5. Cohort LTV", "No buyers yet.", missing("No valid orders yet: no cohort to show."))
    channels = ["all"] + sorted({c["acquisition_channel"] for c in cells} - {"all"})
    figure = go.Figure()
    for index, channel in enumerate(channels):
        mine = [c for c in cells if c["acquisition_channel"] == channel]
        cohorts = sorted({c["cohort_month"] for c in mine})
        offsets = sorted({c["months_since_first_order"] for c in mine})
        grid = {(c["cohort_month"], c["months_since_first_order"]): float(c["ltv_per_customer"]) for c in mine}
        figure.add_trace(go.Heatmap(
            x=offsets, y=[f"{m:%Y-%m}" for m in cohorts], visible=index == 0, colorscale="Blues",
            z=[[grid.get((m, o)) for o in offsets] for m in cohorts], colorbar={"title": "LTV"}, name=channel))
    if len(channels) > 1:
        figure.update_layout(updatemenus=[{"buttons": [
            {"label": channel, "method": "update", "args": [{"visible": [i == j for j in range(len(channels))]}]}
            for i, channel in enumerate(channels)], "x": 1.0, "y": 1.15, "xanchor": "right"}])
    figure.update_xaxes(title="months since first order")
    figure.update_yaxes(title="cohort (month of first order)")
    store = [c for c in cells if c["acquisition_channel"] == "all"]
    last_cohorts = sorted({c["cohort_month"] for c in store})[-6:]
    curves = go.Figure([go.Scatter(name=f"{m:%Y-%m}", mode="lines+markers",
                                   x=[c["months_since_first_order"] for c in store if c["cohort_month"] == m],
                                   y=[float(c["ltv_per_customer"]) for c in store if c["cohort_month"] == m])
                        for m in last_cohorts])
    curves.update_xaxes(title="months since first order")
    curves.update_yaxes(title="LTV per customer")
    month_12 = [c for c in store if c["months_since_first_order"] == 12]
    if month_12:
        latest = max(month_12, key=lambda c: c["cohort_month"])
        reading = (f'Customers first buying in {latest["cohort_month"]:%B %Y} were worth '
                   f'{float(latest["ltv_per_customer"]):,.2f} each after 12 months.')
    else:
        first = min(store, key=lambda c: (c["cohort_month"], -c["months_since_first_order"]))
        reading = f'No cohort is 12 months old yet; the oldest ({first["cohort_month"]:%B %Y}) is shown as far as it goes.'
    return Section("cohorts", "5. Cohort LTV", reading, charts.html(figure, 460) + charts.html(curves, 320))


def audiences_section(connection) -> Section:
    title = "6. Who to reach now"
    sizes = rows(connection, """
        select audience, stage, members, new_members
        from marts.mart_audience_sizes
        where month = (select max(month) from marts.mart_audience_sizes)
        order by stage, audience""")
    if not sizes:
        return Section("audiences", title, "No audiences yet.", missing("No one to reach yet: the store has no data."))
    reachable = dict(connection.execute(
        "select audience, count(*) filter (where can_email) from marts.fct_audience_membership group by audience"
    ).fetchall())
    lift = {r["audience"]: r for r in rows(connection, """
        select audience, month, moved_up_rate, lift_window_days
        from marts.mart_audience_sizes
        where moved_up_rate is not null
        qualify row_number() over (partition by audience order by month desc) = 1""")}
    body_rows = "".join(
        f'<tr><td>{r["stage"]}</td><td>{html.escape(r["audience"])}</td>'
        f'<td data-metric="audience-members-{html.escape(r["audience"])}">{r["members"]:,}</td>'
        f'<td>{r["new_members"]:,}</td><td>{reachable.get(r["audience"], 0):,}</td>'
        f'<td>{pct(lift[r["audience"]]["moved_up_rate"]) if r["audience"] in lift else "n/a"}</td></tr>'
        for r in sizes)
    table = ("<table><tr><th>stage</th><th>audience</th><th>members now</th><th>joined this month</th>"
             "<th>with an e-mail to use</th><th>moved up within the lift window (latest known month)</th></tr>"
             f"{body_rows}</table>")
    at_risk = connection.execute(
        "select count(*) filter (where at_risk), count(p_alive) from marts.dim_people").fetchone()
    largest = max(sizes, key=lambda r: r["members"])
    reading = f'The largest audience is {largest["audience"]} (stage {largest["stage"]}, {largest["members"]:,} people).'
    if at_risk[1]:
        reading += f" {at_risk[0]:,} repeat and regular buyers are slipping away (p_alive below the threshold)."
    return Section("audiences", title, reading, table + "<p>Lists: <code>make audiences</code> writes them to "
                   "exports/audiences/ (hashed e-mails, ready for customer-match uploads).</p>")


def lifecycle_section(connection, charts: Charts) -> Section:
    title = "7. Buyer lifecycle"
    flow = rows(connection, """
        select
            month,
            sum(people) filter (where lifecycle_status = 'new') as new,
            sum(people) filter (where lifecycle_status = 'resurrected') as resurrected,
            sum(people) filter (where lifecycle_status = 'retained') as retained,
            sum(newly_dormant) filter (where level_number >= 4) as newly_dormant,
            sum(people) filter (where lifecycle_status = 'dormant' and level_number >= 4) as dormant
        from marts.mart_lifecycle
        group by month
        order by month""")
    if not flow or not any(r["new"] for r in flow):
        return Section("lifecycle", title, "No buyers yet.", missing("No valid orders yet: no buyer lifecycle to show."))
    months = [r["month"] for r in flow]
    figure = go.Figure([
        go.Bar(name="new", x=months, y=[r["new"] for r in flow], marker_color="#2ca02c"),
        go.Bar(name="resurrected", x=months, y=[r["resurrected"] for r in flow], marker_color="#98df8a"),
        go.Bar(name="newly dormant", x=months, y=[-r["newly_dormant"] for r in flow], marker_color=WEAKEST_COLOUR),
        go.Scatter(name="net flow", mode="lines+markers", x=months, marker_color="#222",
                   y=[r["new"] + r["resurrected"] - r["newly_dormant"] for r in flow]),
    ])
    figure.update_layout(barmode="relative")
    figure.update_yaxes(title="buyers in the month")
    latest = flow[-1]
    net = latest["new"] + latest["resurrected"] - latest["newly_dormant"]
    reading = (f'In {latest["month"]:%B %Y}: {latest["new"]:,} new and {latest["resurrected"]:,} resurrected buyers, '
               f'{latest["newly_dormant"]:,} newly dormant - a net flow of {net:+,}; {latest["retained"]:,} ordered '
               f'again after ordering the month before.')
    table = "".join(
        f'<tr><td>{r["month"]:%Y-%m}</td><td data-metric="lifecycle-new-{r["month"]:%Y-%m}">{r["new"]:,}</td>'
        f'<td>{r["resurrected"]:,}</td><td>{r["retained"]:,}</td><td>{r["newly_dormant"]:,}</td>'
        f'<td data-metric="lifecycle-net-{r["month"]:%Y-%m}">{r["new"] + r["resurrected"] - r["newly_dormant"]:+,}</td>'
        f'<td>{r["dormant"]:,}</td></tr>' for r in flow[-12:])
    groups = rows(connection, """
        select rfm_group, count(*) as people from marts.dim_people group by rfm_group order by people desc, rfm_group""")
    group_rows = "".join(f'<tr><td>{html.escape(g["rfm_group"])}</td>'
                         f'<td data-metric="rfm-{html.escape(g["rfm_group"])}">{g["people"]:,}</td></tr>' for g in groups)
    body = (charts.html(figure, 340)
            + "<table><tr><th>month</th><th>new</th><th>resurrected</th><th>retained</th><th>newly dormant</th>"
              f"<th>net flow</th><th>dormant buyers</th></tr>{table}</table>"
            + "<p>Now, by RFM group (Shopify's names; people with no order are prospects):</p>"
            + f'<table class="numbers"><tr><th>RFM group</th><th>people</th></tr>{group_rows}</table>')
    return Section("lifecycle", title, reading, body)


def method_impact_section(connection) -> Section:
    title = "8. Did the methods work?"
    pairs = rows(connection, """
        select after_window.marketing_method as method, after_window.stage, after_window.started_on, after_window.window_end,
               after_window.window_days, after_window.is_full_window, after_window.interval_z,
               before_window.conversion_rate as rate_before, before_window.candidates as candidates_before,
               after_window.conversion_rate as rate_after, after_window.candidates as candidates_after,
               after_window.rate_difference, after_window.rate_difference_low, after_window.rate_difference_high,
               after_window.is_difference_significant, after_window.difference_in_differences,
               after_window.difference_in_differences_low, after_window.difference_in_differences_high,
               after_window.overlapping_methods
        from marts.mart_method_impact as after_window
        inner join marts.mart_method_impact as before_window
            on after_window.marketing_method = before_window.marketing_method
            and before_window.method_window = 'before'
        where after_window.method_window = 'after'
        order by after_window.started_on, after_window.marketing_method""")
    if not pairs:
        return Section("methods", title, "No method has started yet.",
                       missing("No marketing method with a start date by the as-of date (seeds/marketing_methods.csv)."))

    def points(value) -> str:
        return "n/a" if value is None else f"{float(value) * 100:+.1f} pts"

    body_rows = "".join(
        f'<tr><td>{html.escape(r["method"])}</td><td>{r["stage"]}</td><td>{r["started_on"]}</td>'
        f'<td data-metric="method-window-{html.escape(r["method"])}">{r["window_days"]:,} days'
        f'{"" if r["is_full_window"] else " (cut short: both windows)"}</td>'
        f'<td>{pct(r["rate_before"])} of {r["candidates_before"]:,}</td>'
        f'<td>{pct(r["rate_after"])} of {r["candidates_after"]:,}</td>'
        f'<td data-metric="method-difference-{html.escape(r["method"])}">{points(r["rate_difference"])}</td>'
        f'<td>{points(r["rate_difference_low"])} to {points(r["rate_difference_high"])}</td>'
        f'<td>{points(r["difference_in_differences"])} ({points(r["difference_in_differences_low"])} to '
        f'{points(r["difference_in_differences_high"])})</td>'
        f'<td>{html.escape(r["overlapping_methods"] or "")}</td></tr>' for r in pairs)
    table = ("<table><tr><th>method</th><th>stage</th><th>started</th><th>each window</th><th>conversion before</th>"
             f"<th>conversion after</th><th>difference</th><th>{interval_label(pairs[0]['interval_z'])}</th>"
             "<th>against the other stages</th><th>running at the same time</th></tr>"
             f"{body_rows}</table>")
    significant = [r["method"] for r in pairs if r["is_difference_significant"]]
    reading = ("Before/after evidence, not proof: the windows are different weeks of the year (seasonality), "
               "other methods may run at the same time, and small stages give wide intervals. When a method "
               "ended, or started, less than a full window ago, both windows are cut to the days it has. ")
    reading += (f'A change beyond noise after: {", ".join(significant)}.' if significant
                else "No method is followed by a change beyond noise yet.")
    return Section("methods", title, reading, table)


def validation_section(connection, charts: Charts) -> Section:
    title = "9. Do the predictions deserve trust?"
    if not connection.execute("select count(*) from information_schema.tables where table_schema = 'marts' "
                              "and table_name = 'mart_clv_validation'").fetchone()[0]:
        return Section("validation", title, "Predictions are disabled.",
                       missing("Predictions are disabled (var clv_predictions_enabled): nothing to validate."))
    cells = rows(connection, "select * from marts.mart_clv_validation order by calibration_frequency")
    if not cells:
        return Section("validation", title, "No buyer before the calibration end.",
                       missing("No buyer bought before the calibration end: nothing to validate yet."))
    first = cells[0]
    period = (f'fitted on orders to {first["calibration_end_date"]}, asked for {first["calibration_end_date"]} '
              f'to {first["holdout_end_date"]}')
    if first["fit_status"] != "ok":
        return Section("validation", title, f"No fit on the calibration period ({period}).",
                       missing(f'BG/NBD could not be fitted on the calibration period: {first["fit_status"]}.'))
    labels = [("7+" if c["calibration_frequency"] == 7 else str(c["calibration_frequency"])) for c in cells]
    figure = go.Figure([
        go.Scatter(name="actual", mode="lines+markers", x=labels, y=[c["actual_per_buyer"] for c in cells]),
        go.Scatter(name="predicted", mode="lines+markers", x=labels, y=[c["predicted_per_buyer"] for c in cells]),
    ])
    figure.update_xaxes(title="repeat purchase days in the calibration period", type="category")
    figure.update_yaxes(title="purchase days in the holdout, per buyer")
    error = first["total_relative_error"]
    quality = fit_quality(first["converged"], first["weakly_identified_parameters"])
    reading = (f'BG/NBD {period}: {first["total_predicted_holdout_purchase_days"]:,.0f} purchase days predicted '
               f'against {first["total_actual_holdout_purchase_days"]:,} actual'
               + (f' ({error:+.1%}).' if error is not None else '.') + f' The fit {quality}.')
    table = "".join(
        f'<tr><td>{label}</td><td>{c["buyers"]:,}</td><td>{c["actual_per_buyer"]:.2f}</td>'
        f'<td>{c["predicted_per_buyer"]:.2f}</td></tr>' for label, c in zip(labels, cells))
    body = (charts.html(figure, 320) + '<table class="numbers"><tr><th>calibration repeat days</th><th>buyers</th>'
            f'<th>actual per buyer</th><th>predicted per buyer</th></tr>{table}</table>'
            f'<p>Total error: <span data-metric="validation-error">{"n/a" if error is None else f"{error:+.1%}"}'
            f'</span>. Fit: <span data-metric="validation-fit">{html.escape(quality)}</span>.</p>')
    return Section("validation", title, reading, body)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer levels - {as_of}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1rem; color: #222; }}
section {{ margin: 2rem 0; }} h1 {{ font-size: 1.6rem; }} h2 {{ font-size: 1.25rem; margin-bottom: .3rem; }}
.reading {{ margin: .2rem 0 .8rem; color: #333; }} .missing {{ padding: 1rem; background: #f6f6f6; }}
.weakest {{ color: {weakest}; font-size: 1.1rem; }}
table {{ border-collapse: collapse; width: 100%; font-size: .9rem; }}
td, th {{ border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; }}
tr.gap td {{ background: #fdecea; }} table.numbers {{ max-width: 420px; }}
.notice {{ padding: .6rem 1rem; background: #fff4e5; border-left: 4px solid #e08a00; }}
.plotly-graph-div {{ width: 100% !important; }}
</style></head><body>
<h1>Customer levels</h1>
<p>As of {as_of}. Source: {source}. Generated {generated} UTC.</p>
{notices}
{sections}
<script>
// fit every chart to the screen it is opened on (a phone is narrower than Plotly's default)
window.addEventListener("load", function () {{
  document.querySelectorAll(".js-plotly-plot").forEach(function (plot) {{ Plotly.Plots.resize(plot); }});
}});
</script>
</body></html>
"""


def render(database: Path) -> str:
    charts = Charts()
    with duckdb.connect(str(database), read_only=True) as connection:
        as_of = connection.execute(
            "select max(month_end_date) from marts.mart_level_distribution").fetchall()[0][0]
        month = latest_complete_month(connection)
        sections = [levels_section(connection, charts), funnel_section(connection, charts, month),
                    speed_section(connection, charts, month), marketing_section(connection, charts, month),
                    cohort_section(connection, charts), audiences_section(connection),
                    lifecycle_section(connection, charts), method_impact_section(connection),
                    validation_section(connection, charts)]
        channels_notice = unmapped_channels_notice(unmapped_channels(connection))
    notices = (f'<p class="notice" id="unmapped-channels">{html.escape(channels_notice)}</p>'
               if channels_notice else "")
    body = "\n".join(f'<section id="{s.anchor}"><h2>{html.escape(s.title)}</h2>'
                     f'<p class="reading">{html.escape(s.reading)}</p>{s.body}</section>' for s in sections)
    return PAGE.format(as_of=as_of or "n/a (no data)", source=html.escape(database.name),
                       generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M"),
                       notices=notices, sections=body, weakest=WEAKEST_COLOUR)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=None,
                        help="DuckDB file with the marts (default: the served file, else $CUSTOMER_LEVELS_DB)")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "reports" / "customer_levels.html",
                        help="output HTML file (default: reports/customer_levels.html)")
    args = parser.parse_args(argv)
    database = args.db or published_or_working_database()
    if not database.exists():
        log.error("%s does not exist: run `make run` first", database)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    temporary = args.out.with_name(args.out.name + ".tmp")
    temporary.write_text(render(database), encoding="utf-8")
    temporary.replace(args.out)
    log.info("wrote %s (%d kB)", args.out, args.out.stat().st_size // 1024)
    return 0


if __name__ == "__main__":
    sys.exit(main())
