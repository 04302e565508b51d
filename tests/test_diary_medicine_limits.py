"""Medicine safety in the diary (issue 9, item 3): every 24-hour window of the recent days is
checked, each product's own label limit and each ingredient's total apply, more than one
anti-inflammatory and doses sooner than the label allows are flagged, and every alert is worded
for the person's country. Service tests run on SQLite and PostgreSQL with the clock passed in."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare import service
from backcare.domain import DiaryAlert, Jurisdiction, MedicineIntake, Urgency
from backcare.engine.diary import diary_alerts
from backcare.knowledge.words import words_of
from backcare.service.diary import DiaryService
from backcare.store.repo import Store

UK, US = Jurisdiction.UK, Jurisdiction.US
NOW = datetime.now(UTC).replace(microsecond=0)
PARA = "diary-paracetamol-over-label-limit"
NSAID = "diary-anti-inflammatory-over-label-limit"
TWO_NSAIDS = "diary-two-anti-inflammatories"
TOO_SOON = "diary-dose-too-soon"
TWO_PARA = "diary-two-paracetamol-products"


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = Store(db_url)
    try:
        yield s
    finally:
        s.close()


def svc(store: Store, country: Jurisdiction, name: str = "me") -> DiaryService:
    return DiaryService(store, country, user=f"{country.value}-{name}")


def of(alerts: list[DiaryAlert], rule: str) -> list[DiaryAlert]:
    return [a for a in alerts if a.rule_id == rule]


# --- every window, not only the worst -------------------------------------------------------------


def test_two_overdoses_on_two_days_both_alert(store: Store) -> None:
    d = svc(store, UK)
    first = [d.log_intake("paracetamol-500", 5, taken_at=ago(days=5, hours=h), tz="UTC").entry.id for h in (8, 2)]
    second = [d.log_intake("paracetamol-500", 5, taken_at=ago(days=2, hours=h), tz="UTC").entry.id for h in (8, 2)]
    over = of(d.alerts(now=NOW), PARA)
    assert sorted(a.entry_ids for a in over) == sorted([tuple(first), tuple(second)])
    for alert in over:
        assert "10 × Paracetamol 500 mg from " in alert.detail and ", 5000 mg of paracetamol;" in alert.detail
        assert "its label allows 8 (4000 mg) in 24 hours" in alert.detail
        assert len(alert.window) == 2 and alert.window[0] < alert.window[1]


def test_an_overdose_logged_afterwards_for_an_earlier_day_still_alerts(store: Store) -> None:
    d = svc(store, UK)
    d.log_intake("paracetamol-500", 2, taken_at=ago(hours=1), tz="UTC")  # today: within the label
    d.log_intake("paracetamol-500", 6, taken_at=ago(days=3, hours=10), tz="UTC")
    late = d.log_intake("paracetamol-500", 6, taken_at=ago(days=3, hours=5), tz="UTC")  # logged now, for 3 days ago
    assert of(late.alerts, PARA), late.alerts
    over = of(d.alerts(now=NOW), PARA)
    assert len(over) == 1 and late.entry.id in over[0].entry_ids
    old = d.log_intake("paracetamol-500", 10, taken_at=ago(days=12), tz="UTC")  # older than the period: at entry time
    assert of(old.alerts, PARA) and old.entry.id in of(old.alerts, PARA)[0].entry_ids


def test_doses_more_than_24_hours_apart_never_add_up(store: Store) -> None:
    d = svc(store, UK)
    for day in range(4):
        d.log_intake("paracetamol-500", 8, taken_at=ago(days=day, hours=1), tz="UTC")
    assert not of(d.alerts(now=NOW), PARA)


# --- each product's own label limit ---------------------------------------------------------------

# (country, product, the label's 24-hour maximum in units, the label's gap between doses in hours)
LABELS = [
    (UK, "ibuprofen-200", 6, 4),  # NHS ibuprofen; Nurofen leaflet
    (US, "ibuprofen-200", 6, 4),  # US Drug Facts: not more than 6 tablets in 24 hours
    (UK, "ibuprofen-400", 3, 4),  # 1,200 mg without a prescription
    (US, "naproxen-sodium-220", 3, 8),  # US Drug Facts: not more than 3 in 24 hours
    (UK, "naproxen-250", 3, 6),
    (UK, "paracetamol-500", 8, 4),
    (US, "acetaminophen-500", 6, 6),  # this product's own maximum is 3,000 mg
    (US, "acetaminophen-325", 10, 4),  # 3,250 mg is within its label: no alert at 10
    (UK, "co-codamol-8-500", 8, 4),
    (UK, "aspirin-300", 12, 4),  # NHS aspirin for pain: not more than 12 in 24 hours
    (US, "aspirin-325", 12, 4),  # US Drug Facts: not more than 12 in 24 hours
]


def _log_spaced(d: DiaryService, product: str, units: int, gap_hours: float) -> list[str]:
    """``units`` taken as doses of up to 2, each the label's gap apart, the last one an hour ago."""
    doses = [min(2, units - i) for i in range(0, units, 2)]
    start = ago(hours=1 + gap_hours * (len(doses) - 1))
    return [
        d.log_intake(product, n, taken_at=start + timedelta(hours=gap_hours * k), tz="UTC").entry.id
        for k, n in enumerate(doses)
    ]


@pytest.mark.parametrize(("country", "product", "most", "gap"), LABELS, ids=[f"{c.value}-{p}" for c, p, _, _ in LABELS])
def test_each_product_has_its_own_label_limit(
    store: Store, country: Jurisdiction, product: str, most: int, gap: int
) -> None:
    within, over = svc(store, country, "within"), svc(store, country, "over")
    if gap * (most / 2 - 1) < 24:  # the label's maximum fits in 24 hours at its own gap
        _log_spaced(within, product, most, gap)
        limit_rules = {PARA, NSAID}
        assert not [a for a in within.alerts(now=NOW) if a.rule_id in limit_rules | {TOO_SOON}]
    ids = _log_spaced(over, product, most + 1, min(gap, 23 / max(1, (most + 1) // 2)))
    found = [a for a in over.alerts(now=NOW) if a.rule_id in (PARA, NSAID)]
    assert len(found) == 1 and set(ids) <= set(found[0].entry_ids), found
    assert f"{most + 1} × " in found[0].detail and f"its label allows {most} " in found[0].detail


def test_a_paracetamol_total_counts_every_product_and_unknown_ones(store: Store) -> None:
    d = svc(store, UK)
    a = d.log_intake("paracetamol-500", 6, taken_at=ago(hours=9), tz="UTC")
    b = d.log_intake("co-codamol-8-500", 2, taken_at=ago(hours=4), tz="UTC")
    c = d.log_intake("Lemsip", 1, contains={"paracetamol": 1000}, taken_at=ago(hours=1), tz="UTC")
    over = of(d.alerts(now=NOW), PARA)
    assert len(over) == 1 and set(over[0].entry_ids) == {a.entry.id, b.entry.id, c.entry.id}
    assert "Paracetamol 5000 mg from all products together" in over[0].detail
    assert of(d.alerts(now=NOW), TWO_PARA)


def test_a_prescribed_strength_is_held_to_the_over_the_counter_limit_with_its_reason(store: Store) -> None:
    d = svc(store, US)
    d.log_intake("ibuprofen-400", 2, taken_at=ago(hours=8), tz="UTC")
    over = d.log_intake("ibuprofen-400", 2, taken_at=ago(hours=1), tz="UTC").alerts
    limit = of(over, NSAID)
    assert limit and limit[0].urgency is Urgency.SAME_DAY and "Unless a doctor prescribed this dose" in limit[0].advice


# --- more than one anti-inflammatory; doses too close together ------------------------------------


def test_two_different_anti_inflammatories_within_24_hours_alert(store: Store) -> None:
    d = svc(store, US)
    ibu = d.log_intake("ibuprofen-200", 2, taken_at=ago(hours=10), tz="UTC")
    nap = d.log_intake("naproxen-sodium-220", 1, taken_at=ago(hours=2), tz="UTC")
    both = of(nap.alerts, TWO_NSAIDS)
    assert both and set(both[0].entry_ids) == {ibu.entry.id, nap.entry.id}
    assert "ibuprofen and naproxen taken within 24 hours" in both[0].detail
    assert any(c.source_id == "US-LABEL-NAPROXEN-DIRECTRX" for c in both[0].citations)
    apart = svc(store, US, "apart")
    apart.log_intake("ibuprofen-200", 2, taken_at=ago(hours=30), tz="UTC")
    assert not of(apart.log_intake("naproxen-sodium-220", 1, taken_at=ago(hours=2), tz="UTC").alerts, TWO_NSAIDS)


def test_aspirin_counts_as_a_second_anti_inflammatory_only_at_painkiller_doses(store: Store) -> None:
    pain = svc(store, UK, "pain")
    pain.log_intake("aspirin-300", 2, taken_at=ago(hours=6), tz="UTC")
    assert of(pain.log_intake("ibuprofen-200", 1, taken_at=ago(hours=1), tz="UTC").alerts, TWO_NSAIDS)
    heart = svc(store, UK, "heart")
    heart.log_intake("low-dose aspirin", 1, contains={"aspirin": 75}, taken_at=ago(hours=6), tz="UTC")
    assert not of(heart.log_intake("ibuprofen-200", 1, taken_at=ago(hours=1), tz="UTC").alerts, TWO_NSAIDS)


@pytest.mark.parametrize(
    ("country", "product", "gap_hours", "too_soon"),
    [
        (US, "acetaminophen-500", 4, True),  # label: every 6 hours
        (US, "acetaminophen-500", 6, False),
        (UK, "paracetamol-500", 3, True),  # NHS: at least 4 hours
        (UK, "paracetamol-500", 4, False),
        (US, "naproxen-sodium-220", 4, True),  # label: every 8 to 12 hours
    ],
)
def test_a_dose_sooner_than_the_label_interval_alerts(
    store: Store, country: Jurisdiction, product: str, gap_hours: float, too_soon: bool
) -> None:
    d = svc(store, country)
    first = d.log_intake(product, 1, taken_at=ago(hours=1 + gap_hours), tz="UTC")
    second = d.log_intake(product, 1, taken_at=ago(hours=1), tz="UTC")
    early = of(second.alerts, TOO_SOON)
    assert bool(early) is too_soon, second.alerts
    if too_soon:
        assert set(early[0].entry_ids) == {first.entry.id, second.entry.id}
        assert f"{gap_hours} h after" in early[0].detail


def test_the_naproxen_label_allows_a_second_tablet_within_the_first_hour_of_the_first_dose(store: Store) -> None:
    d = svc(store, US)
    d.log_intake("naproxen-sodium-220", 1, taken_at=ago(hours=3), tz="UTC")
    second = d.log_intake("naproxen-sodium-220", 1, taken_at=ago(hours=2, minutes=30), tz="UTC")
    assert not of(second.alerts, TOO_SOON)
    third = d.log_intake("naproxen-sodium-220", 1, taken_at=ago(hours=1), tz="UTC")
    assert of(third.alerts, TOO_SOON)


# --- each country's level and words -----------------------------------------------------------


def _every_medicine_alert(store: Store, country: Jurisdiction) -> list[DiaryAlert]:
    d = svc(store, country, "words")
    para = {UK: "paracetamol-500", US: "acetaminophen-500"}[country]
    second = {UK: "co-codamol-8-500", US: "cold-flu-paracetamol"}[country]
    nsaid = {UK: "naproxen-250", US: "naproxen-sodium-220"}[country]
    d.log_intake(para, 8, taken_at=ago(hours=5), tz="UTC")
    d.log_intake(second, 2, taken_at=ago(hours=4), tz="UTC")
    d.log_intake("ibuprofen-400", 4, taken_at=ago(hours=3), tz="UTC")
    d.log_intake(nsaid, 1, taken_at=ago(hours=2), tz="UTC")
    return d.alerts(now=NOW)


@pytest.mark.parametrize("country", [UK, US], ids=["uk", "us"])
def test_medicine_alerts_use_only_the_countrys_words_and_services(store: Store, country: Jurisdiction) -> None:
    alerts = _every_medicine_alert(store, country)
    assert {PARA, NSAID, TWO_PARA, TWO_NSAIDS, TOO_SOON} <= {a.rule_id for a in alerts}
    other = US if country is UK else UK
    for alert in alerts:
        for text in (alert.title, alert.advice, alert.detail, *(c.title for c in alert.citations)):
            assert not words_of(text, other), (alert.rule_id, [w.word for w in words_of(text, other)], text)
    para = of(alerts, PARA)[0]
    assert para.urgency is Urgency.SAME_DAY  # a call for advice now, not an emergency, unless seriously ill
    if country is UK:
        assert "Call NHS 111 now" in para.advice and "Call 999 at once if" in para.advice
        assert "paracetamol" in para.detail.lower()
    else:
        assert "Call Poison Control (1-800-222-1222) now" in para.advice and "Call 911 at once if" in para.advice
        assert "acetaminophen" in para.detail.lower() and "paracetamol" not in para.detail.lower()
        assert any(c.source_id == "US-LABEL-APAP-500-OVERDOSE" for c in para.citations)


def test_alerts_are_the_same_through_the_service_the_api_and_the_terminal(tmp_path: Path) -> None:
    from starlette.testclient import TestClient

    from backcare.config import Settings
    from backcare.web.app import create_app

    url = f"sqlite:///{tmp_path / 'same.sqlite3'}"
    store = Store(url)
    try:
        d = DiaryService(store, US)
        d.log_intake("acetaminophen-500", 4, taken_at=ago(hours=7), tz="UTC")
        d.log_intake("acetaminophen-500", 4, taken_at=ago(hours=3), tz="UTC")
        d.log_intake("aspirin-325", 1, taken_at=ago(hours=2), tz="UTC")
        d.log_intake("ibuprofen-200", 1, taken_at=ago(hours=1), tz="UTC")
        expected = [service.to_jsonable(a) for a in d.alerts()]
        assert {a["rule_id"] for a in expected} >= {PARA, TOO_SOON, TWO_NSAIDS}
        client = TestClient(create_app(Settings(jurisdiction=US, allowed_hosts=("testserver",)), store))
        assert client.get("/api/v1/diary/alerts").json()["alerts"] == expected
    finally:
        store.close()
    env = {**os.environ, "NO_COLOR": "1", "BACKCARE_DATABASE_URL": url, "BACKCARE_JURISDICTION": "us", "COLUMNS": "400"}
    out = subprocess.run(
        [sys.executable, "-m", "backcare", "diary", "alerts"], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    printed = " ".join(out.stdout.split())
    for alert in expected:
        assert alert["title"] in printed and " ".join(alert["detail"].split()) in printed
    assert json.dumps(expected)  # plain JSON all the way through


# --- an invariant over generated diaries ------------------------------------------------------

UK_PRODUCTS = ["paracetamol-500", "co-codamol-8-500", "ibuprofen-200", "ibuprofen-400", "aspirin-300"]
BASE = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)

intake = st.builds(
    lambda n, product, units, minutes: MedicineIntake(
        id=f"i{n:04d}",
        taken_at=BASE + timedelta(minutes=minutes),
        tz="UTC",
        product=product,
        units=units,
        contains=tuple(sorted(service.engine().kb.products[product].contains.items())),
    ),
    st.integers(0, 9999),
    st.sampled_from(UK_PRODUCTS),
    st.integers(1, 4),
    st.integers(0, 4 * 24 * 60),
)


def _overdosed(intakes: list[MedicineIntake]) -> set[str]:
    now = BASE + timedelta(days=4)
    alerts = diary_alerts(service.engine(), [], intakes, [], now, UK, medicine_since=BASE)
    return {i for a in alerts if a.rule_id in (PARA, NSAID) for i in a.entry_ids}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(intake, max_size=12, unique_by=lambda i: i.id), intake)
def test_adding_an_intake_never_removes_an_overdose_alert(intakes: list[MedicineIntake], extra: MedicineIntake) -> None:
    if any(i.id == extra.id for i in intakes):
        return
    assert _overdosed(intakes) <= _overdosed([*intakes, extra])


# --- the knowledge behind the limits ------------------------------------------------------------


def test_every_product_has_a_cited_label_limit_for_each_country_it_is_sold_in() -> None:
    kb = service.engine().kb
    for product in kb.products.values():
        assert set(product.labels) == set(product.jurisdictions), product.id
        for label in product.labels.values():
            assert label.citations and label.min_interval_hours >= 1
    assert {i.id for i in kb.ingredients.values() if i.drug_class == "nsaid"} == {"ibuprofen", "naproxen", "aspirin"}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    import shutil

    from backcare.knowledge.loader import DATA_DIR

    root = tmp_path / "data"
    shutil.copytree(DATA_DIR, root, ignore=shutil.ignore_patterns("cases"))
    return root


def _problems(root: Path) -> list[str]:
    from backcare.knowledge.lint import lint
    from backcare.knowledge.loader import read_knowledge

    kb, problems = read_knowledge(root)
    return [str(p) for p in problems + lint(kb)]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


def test_a_label_limit_above_the_ingredients_total_is_refused(data: Path) -> None:
    products = data / "diary/products.yaml"
    text = products.read_text()
    block = text[text.index("  - id: cold-flu-paracetamol") :]
    new_block = block.replace(
        "max_units_per_day: 8\n        max_mg_per_day: 4000", "max_units_per_day: 9\n        max_mg_per_day: 4500", 1
    )
    products.write_text(text.replace(block, new_block))
    found = _problems(data)
    assert any("products.yaml" in p and "more paracetamol than its 4000 mg total" in p for p in found), found


def test_a_label_limit_must_quote_a_label_and_agree_with_the_plan(data: Path) -> None:
    products = data / "diary/products.yaml"
    _edit(
        products,
        "max_units_per_day: 6\n        max_mg_per_day: 3000",
        "max_units_per_day: 7\n        max_mg_per_day: 3500",
    )
    aspirin = '- {source: US-LABEL-ASPIRIN-AFASSCO, locator: "1 to 2 tablets every 4 hours, do not exceed 12 tablets'
    _edit(
        products,
        aspirin + ' in 24 hours."}\n\n',
        '- {source: US-LABEL-ASPIRIN-AFASSCO, locator: "every 4 hours, not more than 12"}\n\n',
    )
    _edit(data / "diary/rules.yaml", 'locator: "Call 111 now if you take:"', 'locator: "Call 999 if you take:"')
    found = _problems(data)
    assert any(
        "rules.yaml" in p and "'Call 999 if you take:' is not in the excerpts read from 'NTH-PARA'" in p for p in found
    )
    assert any("differs from 'us-acetaminophen-500'" in p for p in found), found
    assert any(re.search(r"locator 'every 4 hours, not more than 12' is not in the excerpts", p) for p in found), found
    assert any("label limit needs a label or primary source" in p for p in found), found
