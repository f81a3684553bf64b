"""The first offer and the first meeting after a first contact, kept on the contact.

"Time from first contact to first offer and to first meeting" follows each first contact that
names a person or an alias: the first offer is the earliest offer made in a contact with the
same person (else alias) at the same centre on or after that day; the first meeting the
earliest contact with them at the centre in person (booked visit, home visit or drop-in) on or
after that day, which may be the first contact itself.

Looking those up for every first contact of a year is one correlated subquery per row: seconds
at city scale. So the two dates are stored on the first contact (`first_offer_on`,
`first_meeting_on`) and kept true by the write actions, in their transaction, for the one
person and alias they touched: registering a contact, offering help, linking or unlinking an
alias. `manage.py rebuild_rollups` and the data generators recompute them for everyone.
The actions' changes also reach the insights' FirstStepsRollup (the difference before and
after, in the same transaction); after a bulk `refresh()` the rollup is rebuilt.

Like the rollups, purges do not subtract: when the retention purge deletes an old offer or
meeting, the dates already found for a first contact that is kept stay as they were, and
`rebuild_rollups` recomputes only the first contacts from the first month no purge touched.
"""

from django.db.models import DateField, Min, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

MEETING_CHANNELS = ("booked", "home_visit", "drop_in")
# What the insights' FirstStepsRollup reads of a first contact (rollups.first_steps_entries).
STEP_FIELDS = (
    "occurred_on",
    "center_id",
    "first_contact",
    "person_id",
    "alias_id",
    "first_offer_on",
    "first_meeting_on",
)


def _earliest(model, date_field, subject, path="", **conditions):
    """The earliest `date_field` of `model` rows of the outer contact's centre and subject
    (person_id or alias_id, reached through `path`) on or after the contact's day."""
    rows = model.objects.filter(
        center_id=OuterRef("center_id"),
        **{path + subject: OuterRef(subject), f"{date_field}__gte": OuterRef("occurred_on")},
        **conditions,
    )
    return Subquery(
        rows.order_by().values(path + subject).annotate(first=Min(date_field)).values("first"),
        output_field=DateField(),
    )


def lookups(contact_model, offer_model):
    """The two dates as expressions over a contact row, looked up in the raw rows."""
    return {
        "first_offer_on": Coalesce(
            _earliest(offer_model, "offered_on", "person_id", "contact__"),
            _earliest(offer_model, "offered_on", "alias_id", "contact__"),
        ),
        "first_meeting_on": Coalesce(
            _earliest(contact_model, "occurred_on", "person_id", channel__in=MEETING_CHANNELS),
            _earliest(contact_model, "occurred_on", "alias_id", channel__in=MEETING_CHANNELS),
        ),
    }


def followed(contact_model):
    """First contacts that can be followed: they name a person or an alias."""
    return contact_model.objects.filter(first_contact=True).filter(
        Q(person__isnull=False) | Q(alias__isnull=False)
    )


def refresh(*, centers=None, since=None, respect_purges=True, contact_model=None, offer_model=None):
    """Recompute the dates of every followed first contact (of the given centre ids, on or
    after `since`), then the insights' FirstStepsRollup built from them (months before a
    purge mark kept, unless `respect_purges` is False). Returns the number of contacts
    updated. Migrations pass their models, and rebuild no rollup."""
    migrating = contact_model is not None
    contact_model, offer_model = _models(contact_model, offer_model)
    rows = _since(followed(contact_model), since)
    if centers is not None:
        rows = rows.filter(center_id__in=list(centers))
    updated = rows.update(**lookups(contact_model, offer_model))
    if not migrating:
        from .models import FirstStepsRollup
        from .rollups_rebuild import rebuild

        rebuild(
            start=since, centers=centers, respect_purges=respect_purges, models=[FirstStepsRollup]
        )
    return updated


def touched(*, center_id, person_ids=(), alias_ids=()):
    """Recompute the dates of the first contacts of these people and aliases at a centre:
    called by every action that writes a contact or offer for them, in its transaction."""
    person_ids = [pk for pk in person_ids if pk is not None]
    alias_ids = [pk for pk in alias_ids if pk is not None]
    if not person_ids and not alias_ids:
        return 0
    from .rollups import apply, first_steps_entries

    contact_model, offer_model = _models(None, None)
    rows = followed(contact_model).filter(center_id=center_id)
    rows = rows.filter(Q(person_id__in=person_ids) | Q(alias_id__in=alias_ids))
    before = list(rows.values(*STEP_FIELDS))
    updated = rows.update(**lookups(contact_model, offer_model))
    apply(before=first_steps_entries(before), after=first_steps_entries(rows.values(*STEP_FIELDS)))
    return updated


def contact_written(contact):
    touched(
        center_id=contact.center_id, person_ids=[contact.person_id], alias_ids=[contact.alias_id]
    )


def complete_from():
    """The first day whose first contacts still have all their later offers and meetings (the
    first month no purge of contacts or offers touched), or None (nothing purged)."""
    from .models import ContactRollup, OfferRollup
    from .rollups import first_complete_month

    marks = [first_complete_month(model) for model in (ContactRollup, OfferRollup)]
    marks = [mark for mark in marks if mark is not None]
    return max(marks) if marks else None


def _since(rows, since):
    return rows if since is None else rows.filter(occurred_on__gte=since)


def stored(*, since=None):
    """{contact id: (first offer, first meeting)} as kept (for checks and tests)."""
    contact_model, _ = _models(None, None)
    return {
        pk: (offer, meeting)
        for pk, offer, meeting in _since(followed(contact_model), since).values_list(
            "pk", "first_offer_on", "first_meeting_on"
        )
    }


def computed(*, since=None):
    """{contact id: (first offer, first meeting)} looked up in the raw rows now."""
    contact_model, offer_model = _models(None, None)
    looked_up = lookups(contact_model, offer_model)
    rows = _since(followed(contact_model), since).annotate(
        **{f"looked_up_{name}": value for name, value in looked_up.items()}
    )
    return {
        pk: (offer, meeting)
        for pk, offer, meeting in rows.values_list(
            "pk", "looked_up_first_offer_on", "looked_up_first_meeting_on"
        )
    }


def _models(contact_model, offer_model):
    if contact_model is None:
        from nara.core.models import Contact, SupportOffer

        return Contact, SupportOffer
    return contact_model, offer_model
