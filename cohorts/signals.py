"""Hooks other apps may listen to. cohorts imports neither groups nor submissions (ARCHITECTURE), so they listen here.

edition_copied
    Sent by services.copy_edition_settings once the copy is committed, with keyword arguments
    `source` (the Edition copied from), `target` (the new Edition) and `by` (the User who copied, or None);
    `sender` is the Edition class. cohorts has already copied what it owns (phases, pass mark, completion
    rule, capacity, sponsors); receivers copy their own (submissions: the assignment and its questions;
    groups: the stakeholder types). Receivers run outside the copy's transaction: each should be idempotent
    and wrap its own writes in a transaction.

enrolment_status_changed
    Sent by services.transition_enrolment inside its transaction, right after the status is saved, with
    keyword arguments `enrolment` (the Enrolment, its new status set), `old` (the previous status), `by`
    (the User, or None). Receivers run in the same transaction, so what they write commits or rolls back
    with the change (groups: a withdrawn person leaves their group).
"""

from django.dispatch import Signal

edition_copied = Signal()
enrolment_status_changed = Signal()
