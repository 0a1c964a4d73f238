"""Whether a participant's course results meet the edition's rule for the in-person phase."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from .messages import lazy_message
from .rows import CleanRow

NOT_COMPLETED = _("course not completed")
NO_GRADE = _("no grade")
BELOW_PASS_MARK = _("grade %(grade)s is below the pass mark %(pass_mark)s")


@dataclass(frozen=True)
class EligibilityRule:
    """No pass mark and no completion requirement: everyone with a clean row is eligible."""

    pass_mark: Decimal | None = None
    completion_required: bool = False


def evaluate(row: CleanRow, rule: EligibilityRule) -> tuple[bool, str]:
    """(eligible, reason); the reason explains a refusal and is "" when eligible.

    Completion is checked first, then the grade, compared exactly (9.99 is below 10). The course counts as completed
    when the row says so or carries a completion date.
    """
    if rule.completion_required and not (row.completed is True or row.completion_date is not None):
        return False, NOT_COMPLETED
    if rule.pass_mark is not None:
        if row.grade is None:
            return False, NO_GRADE
        if row.grade < rule.pass_mark:
            return False, lazy_message(BELOW_PASS_MARK, grade=_shown(row.grade), pass_mark=_shown(rule.pass_mark))
    return True, ""


def _number(value: Decimal) -> str:
    """10.00 as 10 and 9.50 as 9.5, with the reader's decimal separator (9,5 in French)."""
    return number_format(value.normalize(), use_l10n=True)


_shown = lazy(_number, str)
