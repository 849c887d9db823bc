import datetime as dt

from warden.records.bundle import redact, third_party_label
from warden.records.models import DpoContact
from warden.records.retention import Rule, months_after, months_before
from warden.records.selectors import dpo_for
from warden.testing.factories import PupilFactory, SchoolFactory


def test_a_schools_own_dpo_comes_before_its_trusts(school):
    trust_wide = DpoContact.everywhere.create(trust=school.trust, name="Trust DPO", email="t@x.uk")
    assert dpo_for(school) == trust_wide
    own = DpoContact.everywhere.create(
        trust=school.trust, school=school, name="School DPO", email="s@x.uk"
    )
    assert dpo_for(school) == own


def test_no_dpo_named_anywhere_is_none(school, other_school):
    DpoContact.everywhere.create(trust=other_school.trust, name="River DPO", email="r@x.uk")
    assert dpo_for(school) is None


def test_a_dpo_of_another_trusts_school_is_not_offered(school):
    stranger = SchoolFactory.create()
    DpoContact.everywhere.create(trust=stranger.trust, school=stranger, name="X", email="x@x.uk")
    assert dpo_for(school) is None


def test_one_calendar_month_ends_on_the_months_last_day_when_the_date_is_missing():
    assert months_after(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert months_after(dt.date(2026, 3, 15), 1) == dt.date(2026, 4, 15)
    assert months_after(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)


def test_a_rule_describes_itself_in_words():
    assert Rule(12, "the pupil leaves").describe() == (
        "Kept 1 year after the pupil leaves, then deleted."
    )
    assert Rule(78, "the signature", "anonymise").describe() == (
        "Kept 6 years 6 months after the signature, then anonymised."
    )


def test_other_peoples_names_are_redacted_and_the_subjects_kept(school):
    subject = PupilFactory.create(school=school, first_name="Ava", last_name="Stone")
    other = PupilFactory.create(school=school, first_name="Noah", last_name="Price")
    text = "Ava Stone sent Noah Price a message; noah replied. Price reported it."
    assert redact(text, [subject, other], subject) == (
        "Ava Stone sent [another pupil] a message; [another pupil] replied. "
        "[another pupil] reported it."
    )
    assert third_party_label(subject, subject) == subject.full_name
