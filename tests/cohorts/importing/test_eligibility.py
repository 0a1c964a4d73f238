from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from cohorts.importing.eligibility import EligibilityRule, evaluate
from cohorts.importing.rows import CleanRow, parse_grade

PASS_MARK_10 = EligibilityRule(pass_mark=Decimal("10"), completion_required=False)


def row(**values) -> CleanRow:
    return CleanRow(line=2, email="awa@example.org", **values)


def test_without_pass_mark_or_completion_everyone_is_eligible():
    assert evaluate(row(), EligibilityRule(pass_mark=None, completion_required=False)) == (True, "")


@pytest.mark.parametrize(("grade", "eligible"), [("9.99", False), ("10", True), ("10,00", True), ("15/20", True)])
def test_grade_is_compared_exactly_with_the_pass_mark(grade, eligible):
    eligible_, _reason = evaluate(row(grade=parse_grade(grade)), PASS_MARK_10)

    assert eligible_ is eligible


def test_grade_below_pass_mark_says_both_numbers():
    eligible, reason = evaluate(row(grade=Decimal("9.50")), PASS_MARK_10)

    assert (eligible, str(reason)) == (False, "grade 9.5 is below the pass mark 10")


def test_below_pass_mark_reason_is_localised_when_shown_not_when_built():
    _eligible, reason = evaluate(row(grade=Decimal("9.5")), PASS_MARK_10)

    with translation.override("fr"):
        shown = str(reason)

    assert "9,5" in shown


def test_dash_grade_is_no_grade():
    eligible, reason = evaluate(row(grade=parse_grade("-")), PASS_MARK_10)

    assert (eligible, str(reason)) == (False, "no grade")


@pytest.mark.parametrize(
    ("completed", "completion_date", "eligible"),
    [(True, None, True), (None, date(2023, 9, 5), True), (False, date(2023, 9, 5), True), (False, None, False),
     (None, None, False)],
)  # fmt: skip
def test_completion_counts_when_stated_or_dated(completed, completion_date, eligible):
    rule = EligibilityRule(pass_mark=None, completion_required=True)

    result = evaluate(row(completed=completed, completion_date=completion_date), rule)

    assert result[0] is eligible
    assert str(result[1]) == ("" if eligible else "course not completed")


def test_completion_is_checked_before_the_grade():
    rule = EligibilityRule(pass_mark=Decimal("10"), completion_required=True)

    eligible, reason = evaluate(row(grade=None, completed=False), rule)

    assert (eligible, str(reason)) == (False, "course not completed")
