"""Diary service on SQLite and PostgreSQL: logging, editing with an audit trail, real deletes,
validation, trends and re-triage alerts that name their entries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from backcare.domain import Episode, Jurisdiction, Urgency
from backcare.service.diary import DiaryService
from backcare.service.entries import InvalidEntry
from backcare.store.repo import NotFound

NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**kw: float) -> datetime:
    return NOW - timedelta(**kw)


def test_log_list_show_an_episode(diary: DiaryService) -> None:
    logged = diary.log_episode(
        pain=6, locations=["lower", "left"], triggers=["lifting"], helped=["heat"], tz="Europe/London"
    )
    assert logged.alerts == []
    entries = diary.recent(30)
    assert [e.id for e in entries] == [logged.entry.id]
    found, trail = diary.show(logged.entry.id[:8])
    assert isinstance(found, Episode)
    assert found.pain == 6 and found.locations == ("lower", "left") and found.tz == "Europe/London"
    assert found.started_at.tzinfo is not None
    assert trail == []


def test_several_entries_a_day_are_kept_in_order(diary: DiaryService) -> None:
    for hours, pain in ((9, 4), (6, 7), (2, 5)):
        diary.log_episode(pain=pain, started_at=ago(hours=hours))
    assert [e.pain for e in diary.recent(1) if isinstance(e, Episode)] == [5, 7, 4]


def test_edit_keeps_an_audit_trail(diary: DiaryService) -> None:
    entry = diary.log_episode(pain=6, note="after gardening").entry
    diary.edit(entry.id, pain=4, note="after gardening, eased with heat")
    diary.edit(entry.id, pain=3)
    current, trail = diary.show(entry.id)
    assert isinstance(current, Episode) and current.pain == 3
    assert [t["before"]["pain"] for t in trail] == [6, 4]
    assert trail[0]["after"]["note"] == "after gardening, eased with heat"


def test_delete_is_a_real_delete_including_the_audit_trail(diary: DiaryService) -> None:
    entry = diary.log_episode(pain=6).entry
    diary.edit(entry.id, pain=5)
    diary.delete(entry.id)
    with pytest.raises(NotFound):
        diary.show(entry.id)
    with diary.diary() as d:
        assert d.audit() == []
        assert d.count()["episode"] == 0


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"pain": 11}, "pain: must be 10 or less"),
        ({"pain": 5, "locations": ["shoulder"]}, "unknown location 'shoulder'"),
        ({"pain": 5, "started_at": NOW + timedelta(days=2)}, "started_at is in the future"),
        ({"pain": 5, "started_at": datetime(2026, 1, 1, 9, 0)}, "needs a time zone"),
        ({"pain": 5, "tz": "Mars/Olympus"}, "unknown time zone"),
        ({"pain": 5, "red_flags": ["wobbly"]}, "'wobbly' is not a warning sign"),
        ({"pain": 5, "red_flags": ["diabetes"]}, "'diabetes' is not a warning sign"),
        ({"pain": 5, "colour": "red"}, "colour: is not a field backcare knows"),
    ],
)
def test_bad_entries_are_refused_with_the_field_named(
    diary: DiaryService, fields: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidEntry) as info:
        diary.log_episode(**fields)
    assert any(message in p for p in info.value.problems), info.value.problems
    with diary.diary() as d:
        assert d.count()["episode"] == 0


def test_one_check_in_per_day_updates_in_place(diary: DiaryService) -> None:
    diary.check_in(date.today(), pain_free=False, pain=3)
    diary.check_in(date.today(), pain_free=True)
    with diary.diary() as d:
        checkins = d.checkins(date.today(), date.today() + timedelta(days=1))
    assert len(checkins) == 1 and checkins[0].pain_free


def test_a_logged_red_flag_reruns_triage_at_once(diary: DiaryService) -> None:
    logged = diary.log_episode(pain=7, red_flags=["bladder_control"])
    assert logged.alerts
    alert = logged.alerts[0]
    assert alert.rule_id == "diary-red-flag-logged"
    assert alert.urgency is Urgency.EMERGENCY_NOW
    assert alert.entry_ids == (logged.entry.id,)


def test_pain_in_the_saddle_area_counts_as_a_warning_sign(diary: DiaryService) -> None:
    logged = diary.log_episode(pain=5, locations=["saddle"])
    assert logged.alerts[0].urgency is Urgency.EMERGENCY_NOW


def test_repeated_episodes_within_weeks_suggest_a_review(diary: DiaryService) -> None:
    ids = [diary.log_episode(pain=5, started_at=ago(days=d)).entry.id for d in (40, 25, 10)]
    alerts = [a for a in diary.alerts() if a.rule_id == "diary-recurring-episodes"]
    assert alerts and alerts[0].urgency is Urgency.SOON
    assert set(alerts[0].entry_ids) == set(ids)


def test_episodes_separated_by_pain_free_days_count_separately(diary: DiaryService) -> None:
    diary.log_episode(pain=5, started_at=ago(days=6))
    diary.check_in(ago(days=5).date(), pain_free=True)
    diary.log_episode(pain=5, started_at=ago(days=4))
    diary.check_in(ago(days=3).date(), pain_free=True)
    diary.log_episode(pain=5, started_at=ago(days=2))
    assert any(a.rule_id == "diary-recurring-episodes" for a in diary.alerts())


def test_pain_lasting_six_weeks_suggests_a_review(diary: DiaryService) -> None:
    for d in range(44, -1, -3):
        diary.log_episode(pain=5, started_at=ago(days=d))
    alerts = [a for a in diary.alerts() if a.rule_id == "diary-not-improving"]
    assert alerts and alerts[0].urgency is Urgency.SOON


def test_a_rising_pain_trend_is_flagged(diary: DiaryService) -> None:
    for d, pain in ((12, 2), (9, 3), (6, 5), (3, 6), (1, 7)):
        diary.log_episode(pain=pain, started_at=ago(days=d))
    assert any(a.rule_id == "diary-worsening-trend" for a in diary.alerts())


def test_a_settling_pain_trend_is_not_flagged(diary: DiaryService) -> None:
    for d, pain in ((12, 7), (9, 6), (6, 5), (3, 3), (1, 2)):
        diary.log_episode(pain=pain, started_at=ago(days=d))
    assert not any(a.rule_id == "diary-worsening-trend" for a in diary.alerts())


def test_too_much_ibuprofen_in_a_day_warns_at_entry_time(diary: DiaryService) -> None:
    first = diary.log_intake("ibuprofen-400", 2, taken_at=ago(hours=6), tz="UTC")
    assert first.alerts == []
    second = diary.log_intake("ibuprofen-400", 2, taken_at=ago(minutes=5), tz="UTC")
    limit = [a for a in second.alerts if a.rule_id == "diary-anti-inflammatory-over-label-limit"]
    assert limit and "1600 mg" in limit[0].detail and "1200 mg" in limit[0].detail
    assert set(limit[0].entry_ids) == {first.entry.id, second.entry.id}


def test_daily_paracetamol_limit_follows_the_jurisdiction(db_url: str) -> None:
    from backcare.store.repo import Store

    store = Store(db_url)
    try:
        uk, us = DiaryService(store, Jurisdiction.UK, user="uk"), DiaryService(store, Jurisdiction.US, user="us")
        for svc, product in ((uk, "paracetamol-500"), (us, "acetaminophen-500")):
            svc.log_intake(product, 4, taken_at=ago(hours=3), tz="UTC")
            last = svc.log_intake(product, 3, taken_at=ago(minutes=1), tz="UTC")
            over = [a for a in last.alerts if a.rule_id == "diary-paracetamol-over-label-limit"]
            assert bool(over) is (svc is us), (product, last.alerts)  # 3,500 mg: over the US 3,000, under the UK 4,000
    finally:
        store.close()


def test_paracetamol_over_the_limit_across_midnight_calls_nhs_111_now(diary: DiaryService) -> None:
    # The cited NHS trust leaflet: "Call 111 now" for more than 8 tablets in 24 hours; not 999.
    evening = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)
    first = diary.log_intake("paracetamol-500", 8, taken_at=evening, tz="UTC")
    second = diary.log_intake("paracetamol-500", 8, taken_at=evening + timedelta(hours=4), tz="UTC")
    over = [
        a for a in diary.alerts(now=evening + timedelta(hours=5)) if a.rule_id == "diary-paracetamol-over-label-limit"
    ]
    assert over and over[0].urgency is Urgency.SAME_DAY
    assert "Call NHS 111 now" in over[0].advice and "999" in over[0].advice  # 999 only if seriously ill
    assert set(over[0].entry_ids) == {first.entry.id, second.entry.id}
    assert "16 × Paracetamol 500 mg from 23 Nov 21:00 to 24 Nov 01:00, 8000 mg of paracetamol" in over[0].detail
    assert over[0].window == (evening.isoformat(), (evening + timedelta(hours=4)).isoformat())


def test_doses_more_than_24_hours_apart_do_not_add_up(diary: DiaryService) -> None:
    start = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    for day in range(3):
        diary.log_intake("paracetamol-500", 8, taken_at=start + timedelta(days=day), tz="UTC")
    alerts = diary.alerts(now=start + timedelta(days=2, hours=1))
    assert not any(a.rule_id == "diary-paracetamol-over-label-limit" for a in alerts)


def test_two_paracetamol_products_on_one_day_warn(diary: DiaryService) -> None:
    diary.log_intake("paracetamol-500", 2, taken_at=ago(hours=2), tz="UTC")
    logged = diary.log_intake("co-codamol-8-500", 2, taken_at=ago(minutes=1), tz="UTC")
    assert any(a.rule_id == "diary-two-paracetamol-products" for a in logged.alerts)


def test_trends_summarise_weeks_and_months(diary: DiaryService) -> None:
    diary.log_episode(pain=4, started_at=ago(seconds=30), tz="UTC")
    diary.log_episode(pain=8, started_at=ago(seconds=20), tz="UTC")
    diary.log_intake("ibuprofen-200", 2, taken_at=ago(seconds=10), tz="UTC")
    diary.log_action("heat", 15, done_at=ago(seconds=10), tz="UTC")
    summary = diary.trends(weeks=4, months=3)
    this_week = summary["weeks"][-1]
    assert (this_week.episodes, this_week.mean_pain, this_week.max_pain) == (2, 6.0, 8)
    assert this_week.medicine_days == 1 and this_week.self_care_actions == 1
    assert len(summary["weeks"]) == 4 and len(summary["months"]) == 3
    assert diary.daily_pain(7)[-1][1] == 8


def test_recent_medicines_and_self_care_come_first(diary: DiaryService) -> None:
    from backcare.service.diary import products_for

    diary.log_intake("ibuprofen-200", 1, taken_at=ago(hours=30), tz="UTC")
    diary.log_intake("paracetamol-500", 2, taken_at=ago(hours=2), tz="UTC")
    diary.log_action("walk", 20, done_at=ago(hours=3), tz="UTC")
    diary.log_action("heat", 15, done_at=ago(hours=1), tz="UTC")
    products, actions = diary.recent_choices()
    assert products == ["paracetamol-500", "ibuprofen-200"] and actions == ["heat", "walk"]
    assert [p["id"] for p in products_for(Jurisdiction.UK, products)][:2] == products


def test_entries_are_described_in_words_never_ids(diary: DiaryService) -> None:
    from backcare.service.diary import describe

    episode = diary.log_episode(
        pain=6, locations=["below_knee"], triggers=["bending_twisting"], helped=["rest_break"], tz="UTC"
    ).entry
    action = diary.log_action("rest_break", tz="UTC").entry
    _when, _kind, what = describe(episode)
    assert what == "pain 6/10; below the knee; after bending or twisting; helped: a short rest"
    assert describe(action)[2] == "A short rest"


@pytest.mark.parametrize(
    ("problem", "field", "message"),
    [
        ("pain: must be 10 or less", "pain", "Pain: must be 10 or less"),
        ("started_at: started_at is in the future", "when", "The time is in the future"),
        ("units: give the number of tablets or doses, for example 2", "units", "Tablets or doses: give the number"),
        ("a pain-free day cannot have a pain score above 0", "", "A pain-free day cannot"),
    ],
)
def test_a_refusal_names_its_field_by_the_label_people_see(problem: str, field: str, message: str) -> None:
    from backcare.service.diary_view import refusal

    found = refusal(problem)
    assert found.field == field and found.message.startswith(message)


def test_prevent_shows_only_what_the_person_said(diary: DiaryService) -> None:
    from backcare.service.check import prevention

    def titles(answers: dict[str, object] | None) -> list[str]:
        return [s.title for s in prevention(Jurisdiction.UK, answers)]  # type: ignore[arg-type]

    said_nothing = titles(None)
    assert "Break up long spells of sitting" not in said_nothing
    assert not any("You told us" in s.text for s in prevention(Jurisdiction.UK, None))
    sits = titles({"back_pain_present": "yes", "sitting_hours": "yes"})
    assert "Break up long spells of sitting" in sits and "If your back pain keeps coming back" not in sits
    assert "Break up long spells of sitting" not in titles({"back_pain_present": "yes", "sitting_hours": "no"})
    # Advice for everyone stays either way.
    assert "Bending and lifting are not the enemy" in said_nothing and "Bending and lifting are not the enemy" in sits


def test_the_diary_page_lists_saved_checks_and_uses_words(diary: DiaryService) -> None:
    from starlette.testclient import TestClient

    from backcare.config import Settings
    from backcare.service import check
    from backcare.web.app import create_app
    from tests.conftest import ORDINARY

    check.save(diary, {**ORDINARY, "back_pain_present": "yes"}, Jurisdiction.UK)
    diary.log_episode(pain=4, triggers=["bending_twisting"], tz="UTC")
    page = TestClient(create_app(Settings(allowed_hosts=("testserver",)), diary.store)).get("/diary").text
    assert "My saved checks" in page and "/checks/" in page and "Open the check of" in page
    assert "after bending or twisting" in page and "Bending or twisting" in page
    assert "bending_twisting</" not in page and "> bending twisting" not in page


def test_us_words_for_the_diary_vocabulary() -> None:
    from backcare.service.diary_view import word

    assert word("central", Jurisdiction.US) == "Center (spine)" and word("central") == "Centre (spine)"
    assert word("physio", Jurisdiction.US) == "Physical therapy" and word("physio") == "Physiotherapy"


def test_pain_in_the_saddle_area_is_a_warning_sign_worded_as_pain_not_numbness(diary) -> None:  # type: ignore[no-untyped-def]
    logged = diary.log_episode(pain=6, locations=["saddle"])
    alert = next(a for a in logged.alerts if a.places)
    assert alert.urgency.value == "emergency_now"
    assert "You logged pain here: between the legs (saddle area)" in alert.detail
    assert "Numbness" not in alert.detail and "numbness there" in alert.detail
