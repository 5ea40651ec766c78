"""The HTML report, opened for real in headless Chromium from a file URL with the network off."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from conftest import REPO_ROOT, Build

SECTIONS = ["levels", "funnel", "speed", "marketing", "cohorts", "audiences", "lifecycle", "methods", "validation"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, "Chromium is missing: `make test` installs Debian's chromium and chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1200,3800",
                     f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
                     # no network: every host unresolvable, every request to a dead proxy
                     "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions",
                           {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    yield driver
    driver.quit()


def render(build: Build, out: Path) -> Path:
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "report.py"), "--db", str(build.database),
                             "--out", str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


def open_page(browser, page: Path, screenshot: str) -> list[dict]:
    browser.get_log("browser")  # drop anything from an earlier page
    browser.get(page.as_uri())
    browser.execute_script("return document.readyState")
    (REPO_ROOT / "target").mkdir(exist_ok=True)
    browser.save_screenshot(str(REPO_ROOT / "target" / screenshot))
    return browser.get_log("browser")


def test_report_shows_every_section_with_the_marts_numbers(browser, marts_store: Build, tmp_path: Path) -> None:
    page = render(marts_store, tmp_path / "report.html")
    assert "<script src=" not in page.read_text()  # self-contained: Plotly inlined
    console = open_page(browser, page, "report_marts_store.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    for section in SECTIONS:
        assert browser.find_element(By.ID, section).is_displayed()
    # March 2025 is the latest complete month; its weakest stage is 4 (tests/python/test_marts.py)
    weakest = browser.find_element(By.ID, "weakest-stage")
    assert weakest.is_displayed() and "first_time_to_repeat_buyer" in weakest.text
    # every stage beat its target in March, so no stage is short of it in money; stage 4's
    # opportunity: (4 x 8 % - 1) x 45 = -30.60 (tests/python/test_semantic_layer.py)
    assert browser.find_element(By.ID, "biggest-opportunity").text == \
        "In money, no stage is short of its target this month."
    assert browser.find_element(By.CSS_SELECTOR, "[data-metric='opportunity-4']").text == "-30.60"
    # the interval label follows var opportunity_interval_z (1.96), carried by the marts as interval_z
    headers = [element.text for element in browser.find_elements(By.CSS_SELECTOR, "#funnel th, #methods th")]
    assert headers.count("95 % interval") == 2
    people = {element.get_attribute("data-metric"): element.text
              for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='people-level-']")}
    expected = dict(marts_store.rows("select 'people-level-' || level_number, cast(people as varchar) "
                                     "from marts.mart_level_distribution where month = date '2025-03-01' "
                                     "and level_number > 1"))
    assert people == expected == {"people-level-2": "2", "people-level-3": "1", "people-level-4": "3",
                                  "people-level-5": "1", "people-level-6": "1"}
    charts = browser.execute_script("return document.querySelectorAll('.js-plotly-plot').length")
    drawn = browser.execute_script("return document.querySelectorAll('.js-plotly-plot .main-svg').length")
    assert charts == 8 and drawn >= charts  # every figure drawn by Plotly, offline
    audiences = {element.get_attribute("data-metric"): element.text
                 for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='audience-members-']")}
    assert audiences == dict(marts_store.rows(
        "select 'audience-members-' || audience, cast(members as varchar) from marts.mart_audience_sizes "
        "where month = (select max(month) from marts.mart_audience_sizes)"))
    assert len(audiences) == 6
    gap_rows = browser.find_elements(By.CSS_SELECTOR, "#marketing tr.gap")
    # March (tests/python/test_marts.py): no ad spend on stage 1, nothing on stage 5
    assert [row.text.split()[0] for row in gap_rows] == ["1", "5"]
    assert browser.find_elements(By.ID, "unmapped-channels") == []  # both channels are in the seed
    # first valid orders (fixtures/marts_store/orders.csv): cD, cG in January, cB in February, cA, cH
    # in March; nobody resurrected or dormant within three months (dormant_after_days 180)
    lifecycle = {element.get_attribute("data-metric"): element.text
                 for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='lifecycle-']")}
    assert lifecycle == {"lifecycle-new-2025-01": "2", "lifecycle-net-2025-01": "+2",
                         "lifecycle-new-2025-02": "1", "lifecycle-net-2025-02": "+1",
                         "lifecycle-new-2025-03": "2", "lifecycle-net-2025-03": "+2"}
    # RFM on 31 March: cA (R5 F1 M2) and cH (R5 F1 M1) new; cB (R5 F2 M3), cD (R5 F3 M2) and cG
    # (65 days: R4, F1 M1) promising; the three people without an order prospects
    groups = {element.get_attribute("data-metric"): element.text
              for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='rfm-']")}
    assert groups == {"rfm-prospects": "3", "rfm-promising": "3", "rfm-new": "2"}
    # post_purchase_sequence (stage 4) from 1 March: the as-of date cuts the after window to 1 - 31
    # March, 31 days, so the before window is the 31 days 29 January - 28 February, not 8 weeks.
    # Before: cD (first order 10 Jan, passed 10 Feb), cG (25 Jan, no second order) and cB (3 Feb,
    # passed 3 Mar) stood on level 4 - 1 of 3; after: cB (passed 3 Mar), cG, cA (15 Mar), cH
    # (20 Mar) - 1 of 4: 25 % - 33.3 % = -8.3 points. welcome_pop_up's full windows of 2024 hold
    # nobody; abandoned_basket_email starts after the as-of date and is left out.
    methods = {element.get_attribute("data-metric"): element.text
               for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='method-difference-']")}
    windows = {element.get_attribute("data-metric"): element.text
               for element in browser.find_elements(By.CSS_SELECTOR, "[data-metric^='method-window-']")}
    assert windows == {"method-window-welcome_pop_up": "56 days", "method-window-welcome_series": "56 days",
                       "method-window-post_purchase_sequence": "31 days (cut short: both windows)"}
    # the calibration end is 31 March less 182 days, 30 September 2024: nobody had bought by then
    assert browser.find_element(By.CSS_SELECTOR, "#validation .missing").text == \
        "No buyer bought before the calibration end: nothing to validate yet."
    assert methods == {"method-difference-welcome_pop_up": "n/a", "method-difference-welcome_series": "n/a",
                       "method-difference-post_purchase_sequence": "-8.3 pts"}


def test_summary_names_the_weakest_stage_and_the_biggest_opportunity(marts_store: Build) -> None:
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "summary.py"), "--db",
                             str(marts_store.database)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "weakest stage in 2025-03: stage 4 first_time_to_repeat_buyer" in result.stdout
    assert "biggest opportunity in money: none (no stage is short of its target)" in result.stdout


def test_report_and_summary_name_a_biggest_opportunity_that_is_not_the_weakest_stage(
        browser, marts_store: Build, tmp_path: Path) -> None:
    """The hand-worked store as its report and summary read in March, before March was over: a copy
    of the marts_store build with March marked incomplete in mart_stage_focus, so February is the
    latest complete month (no new build)."""
    database = tmp_path / "february.duckdb"
    shutil.copy(marts_store.database, database)
    with duckdb.connect(str(database)) as connection:
        connection.execute("update marts.mart_stage_focus set is_complete_month = false "
                           "where month = date '2025-03-01'")
    copy = Build(database=database, result=marts_store.result)
    # February (fixtures/marts_store): stage 5 is the weakest - cD, a repeat buyer since 10 Feb, did
    # not order again (0 of 1 against 12 %). In money, stage 1: meta_ads showed 3,000 impressions
    # (no reach reported) and one person first visited (c1, 14 Feb) - a gap of 3,000 x 3 % - 1 = 89;
    # one more new visitor is worth (cA 50 + cB 100 + 40 - 10 refunded + cG 20) / the 6 people who
    # first visited (a1, b1, c1, e1, f1, g1) = 33.33, and nobody stays on level 1 to compare - 89 x
    # 200 / 6 = 2,966.67. Stage 5 is second: a gap of 0.12 x 30 (cD's 30 after passing on 10 Mar,
    # cB staying a repeat buyer has ordered nothing since 3 Mar) = 3.60; stages 2-4 beat their targets.
    page = render(copy, tmp_path / "february.html")
    console = open_page(browser, page, "report_february.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    assert "repeat_to_regular_buyer" in browser.find_element(By.ID, "weakest-stage").text
    assert browser.find_element(By.ID, "biggest-opportunity").text == \
        "Worth most in money: stage 1 world_to_visitor (not the weakest stage (stage 5))"
    assert browser.find_element(By.CSS_SELECTOR, "[data-metric='opportunity-1']").text == "2,966.67"
    assert browser.find_element(By.CSS_SELECTOR, "[data-metric='opportunity-5']").text == "3.60"
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "summary.py"), "--db", str(database)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("weakest stage in 2025-02: stage 5 repeat_to_regular_buyer (0.0% against a target "
                               "of 12.0%)") for line in lines)
    opportunity = next(line for line in lines if line.startswith("biggest opportunity in money:"))
    assert opportunity.startswith("biggest opportunity in money: stage 1 world_to_visitor, 2,966.67 (")
    assert opportunity.endswith(") - not the weakest stage")


def test_validation_section_shows_the_holdout_check_of_a_fit(browser, cdnow_build: Build, tmp_path: Path) -> None:
    """The CDNOW build of test_clv.py: a calibration fit to 1997-04-01 and 1,629 holdout purchase days."""
    page = render(cdnow_build, tmp_path / "cdnow.html")
    console = open_page(browser, page, "report_cdnow.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    validation = browser.find_element(By.ID, "validation")
    assert validation.find_elements(By.CSS_SELECTOR, ".missing") == []
    assert browser.execute_script(
        "return document.querySelectorAll('#validation .js-plotly-plot .main-svg').length") >= 1  # the chart drawn
    # one row per calibration frequency 0..6 and 7+, every CDNOW customer in one of them
    cells = [row.find_elements(By.TAG_NAME, "td") for row in validation.find_elements(By.CSS_SELECTOR, "tr")[1:]]
    assert [row[0].text for row in cells] == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert sum(int(row[1].text.replace(",", "")) for row in cells) == 2357
    # 1,629 customer-days bought in the holdout (counted from CDNOW_sample.txt in test_clv.py)
    reading = validation.find_element(By.CSS_SELECTOR, ".reading").text
    assert "fitted on orders to 1997-04-01, asked for 1997-04-01 to 1997-09-30" in reading
    assert "against 1,629 actual" in reading
    total_predicted, error, converged, weak = cdnow_build.rows(
        "select distinct total_predicted_holdout_purchase_days, total_relative_error, converged, "
        "weakly_identified_parameters from marts.mart_clv_validation")[0]
    # the error the page shows is (predicted - 1,629) / 1,629 of the mart's predicted total
    assert browser.find_element(By.CSS_SELECTOR, "[data-metric='validation-error']").text == \
        f"{(total_predicted - 1629) / 1629:+.1%}" == f"{error:+.1%}"
    assert converged is True  # the holdout fit reached its maximum (test_clv.py)
    fit = browser.find_element(By.CSS_SELECTOR, "[data-metric='validation-fit']").text
    assert fit.startswith("converged; ")
    assert fit.endswith(f"weakly identified: {weak.replace(',', ', ')} (predictions can still be good)"
                        if weak else "every parameter identified")
    result = subprocess.run([sys.executable, str(REPO_ROOT / "scripts" / "summary.py"), "--db",
                             str(cdnow_build.database)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    holdout = next(line for line in result.stdout.splitlines() if line.startswith("holdout check"))
    assert holdout.startswith("holdout check (fitted to 1997-04-01, asked to 1997-09-30): ")
    assert f"against 1,629 actual ({error:+.1%}); fit {fit}" in holdout
    assert any(line.startswith("BG/NBD fit: converged; ") for line in result.stdout.splitlines())


def test_orders_only_store_renders_without_errors(browser, orders_only: Build, tmp_path: Path) -> None:
    page = render(orders_only, tmp_path / "orders_only.html")
    console = open_page(browser, page, "report_orders_only.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    for section in SECTIONS:
        assert browser.find_element(By.ID, section).is_displayed()


def test_empty_store_says_what_is_missing(browser, empty_store: Build, tmp_path: Path) -> None:
    assert empty_store.result.returncode == 0, empty_store.output[-3000:]
    page = render(empty_store, tmp_path / "empty.html")
    console = open_page(browser, page, "report_empty.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    missing = [element.text for element in browser.find_elements(By.CSS_SELECTOR, ".missing")]
    assert "No people yet: the store has no web events and no valid orders." in missing
    assert "No valid orders yet: no cohort to show." in missing
    assert "No one to reach yet: the store has no data." in missing
    assert "No valid orders yet: no buyer lifecycle to show." in missing


def test_one_month_store_says_there_is_no_complete_month(browser, duplicate_delivery: Build,
                                                         tmp_path: Path) -> None:
    page = render(duplicate_delivery, tmp_path / "one_month.html")  # five days of January 2025
    console = open_page(browser, page, "report_one_month.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    assert browser.find_element(By.CSS_SELECTOR, "#funnel .missing").text == "No complete month to show yet."
    assert browser.find_element(By.CSS_SELECTOR, "[data-metric='people-level-5']").text == "1"


def test_new_ad_channel_warns_in_the_build_and_is_named_in_the_report(browser, levels_store: Build,
                                                                     tmp_path: Path) -> None:
    """fixtures/levels_store spends on `facebook`, which seeds/marketing_channels.csv lacks
    (tests/python/test_levels_store.py): scripts/build.py prints the stored warning rows and exits 0,
    and the report says, above the sections, which seed row to add."""
    from test_levels_store import UNMAPPED_NOTICE

    result = levels_store.result  # scripts/build.py's run (conftest.py)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "build: warning (the build goes on): assert_every_ad_channel_is_in_marketing_channels found:" \
        in result.stderr.splitlines()
    assert ("build:   channel=facebook, first_spend_date=2025-03-10, last_spend_date=2025-04-02, spend_rows=2, "
            "spend_reporting=20.00, seed_row_to_add=facebook,1,<shine_a_light|target_customers|get_found>"
            ) in result.stderr.splitlines()
    page = render(levels_store, tmp_path / "new_channel.html")
    console = open_page(browser, page, "report_new_channel.png")
    assert [entry for entry in console if entry["level"] == "SEVERE"] == []
    notice = browser.find_element(By.ID, "unmapped-channels")
    assert notice.is_displayed() and notice.text == UNMAPPED_NOTICE
    # above the first section, where it is seen first
    assert notice.location["y"] < browser.find_element(By.ID, "levels").location["y"]
