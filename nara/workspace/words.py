"""People words for codes on staff pages: schedules, audit actions and objects, languages."""

from django.apps import apps
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from nara.lib import calendar
from nara.lib.languages import SPOKEN_LANGUAGES

WEEKDAY_CODES = list(calendar.WEEKDAYS)  # MO … SU
WEEKDAYS_PLURAL = dict(
    zip(
        WEEKDAY_CODES,
        [
            _("Mondays"),
            _("Tuesdays"),
            _("Wednesdays"),
            _("Thursdays"),
            _("Fridays"),
            _("Saturdays"),
            _("Sundays"),
        ],
        strict=True,
    )
)
ORDINALS = {
    "1": _("the first"),
    "2": _("the second"),
    "3": _("the third"),
    "4": _("the fourth"),
    "5": _("the fifth"),
    "-1": _("the last"),
}


def split_byday(byday):
    """ "1MO,1WE" → (["MO", "WE"], "1"); "MO,WE" → (["MO", "WE"], "")."""
    tokens = [t.strip().upper() for t in (byday or "").split(",") if t.strip()]
    days = [t[-2:] for t in tokens]
    ordinals = {t[:-2] for t in tokens}
    return days, (ordinals.pop() if len(ordinals) == 1 else "")


def _days_words(schedule):
    days, ordinal = split_byday(schedule.byday)
    if not days and schedule.bymonthday:
        numbers = [n.strip() for n in schedule.bymonthday.split(",") if n.strip()]
        return _("day %(days)s of the month") % {"days": get_text_list(numbers, _("and"))}
    names = [str(WEEKDAYS_PLURAL.get(day, day)) for day in days]
    if not names:
        return str(_("every day"))
    words = get_text_list(names, _("and"))
    if ordinal in ORDINALS:
        return _("%(which)s %(days)s of the month") % {"which": ORDINALS[ordinal], "days": words}
    return words


def describe_days(schedule):
    """When a schedule recurs, e.g. "Mondays and Wednesdays" or "every other week: Fridays"."""
    words = _days_words(schedule)
    interval = schedule.interval or 1
    if interval == 1:
        return str(words)
    if schedule.freq == "MONTHLY":
        every = _("every %(n)s months") % {"n": interval}
    elif interval == 2:
        every = _("every other week")
    else:
        every = _("every %(n)s weeks") % {"n": interval}
    return f"{words}, {every}"


def describe_rule(schedule):
    """A schedule in words with its times: "Mondays and Wednesdays 09:00–12:00"."""
    days = describe_days(schedule)
    return f"{days[:1].upper()}{days[1:]} {schedule.opens_at:%H:%M}–{schedule.closes_at:%H:%M}"


def language_name(code):
    return str(SPOKEN_LANGUAGES.get(code, code)) if code else ""


ACTION_LABELS = {
    "api_token.issue": _("partner API key created"),
    "api_token.revoke": _("partner API key revoked"),
    "api_webhook.set": _("partner notification address set"),
    "webhook.delivered": _("notification delivered to a partner"),
    "webhook.retry": _("notification to a partner to be retried"),
    "webhook.failed": _("notification to a partner failed"),
    "webhook.cancelled": _("notification to a partner cancelled"),
    "evaluation.create": _("before/after evaluation saved"),
    "outcomes.import": _("outcome series imported"),
    "referral.send": _("referral sent to a partner"),
    "referral.incoming": _("referral received from a partner"),
    "referral.status": _("referral status changed"),
    "referral.partner_view": _("referral opened by a partner"),
    "referral.view": _("referral opened"),
    "referral.joint_meeting": _("joint meeting with a partner booked"),
    "referral.link": _("referral from a partner linked to a person or household"),
    "partner.create": _("partner organisation created"),
    "partnerservice.create": _("partner service created"),
    "scenario.apply": _("planning scenario applied to centres"),
    "partnerservice.capacity": _("partner service's capacity confirmed"),
    "alias.create": _("alias created"),
    "alias.link": _("alias linked to a person"),
    "alias.unlink": _("alias unlinked from a person"),
    "alias.view": _("alias viewed"),
    "appointment.correct": _("visit mark corrected"),
    "appointment.move": _("visit moved"),
    "audit.review": _("log reviewed"),
    "center.publish": _("centre published"),
    "consent.record": _("consent recorded"),
    "consent.view": _("consents viewed"),
    "consent.withdraw": _("consent withdrawn"),
    "contact.create": _("contact recorded"),
    "escalation.create": _("escalation recorded"),
    "escalation.view": _("escalation viewed"),
    "exception.close_day": _("day closed"),
    "exception.reopen_day": _("closed day reopened"),
    "headcount.record": _("drop-in headcount recorded"),
    "household.add_member": _("household member added"),
    "household.create": _("household created"),
    "household.legal_hold": _("household legal hold changed"),
    "household.remove_member": _("household member removed"),
    "household.view": _("household viewed"),
    "journal.correct": _("journal note corrected"),
    "journal.view": _("journal viewed"),
    "journal.write": _("journal note written"),
    "keys.rotate": _("field keys rotated"),
    "meeting.create": _("collaboration meeting recorded"),
    "meeting_action.create": _("agreed action added to a meeting"),
    "meeting_action.status": _("agreed action marked done, cancelled or reopened"),
    "offer.answer": _("answer to an offer recorded"),
    "offer.create": _("support offered"),
    "offer.end": _("support ended"),
    "offer.start": _("support started"),
    "person.legal_hold": _("person legal hold changed"),
    "person.register_refused": _("registration of a number already registered refused"),
    "person.replace_identity": _("identity replaced"),
    "person.update_contact_details": _("address or contact details changed"),
    "question.view": _("anonymous question read"),
    "retention.set": _("retention periods set"),
    "task.create": _("task created"),
    "today.view": _("today view opened"),
    "user.casework_role_approved": _("casework role approved"),
    "user.casework_role_requested": _("casework role requested"),
    "user.credentials_reset": _("password and second factor reset"),
    "user.enrolment_link": _("enrolment link issued"),
    "user.enrolment_opened": _("enrolment link opened"),
    "user.enrolment_password": _("password set at enrolment"),
    "user.password_change": _("password changed"),
    "user.roles_own_attempt": _("tried to change own roles"),
    "user.second_factor": _("second factor set up"),
    "append": _("journal entry added"),
    "appointment.book": _("visit booked"),
    "appointment.new_link": _("new booking link sent"),
    "appointment.rebook": _("visit rebooked"),
    "appointment.rebook_nudge": _("reminder to rebook sent"),
    "appointment.status": _("visit marked"),
    "areas.import": _("areas imported"),
    "areas.import_pxweb": _("statistics table imported for areas"),
    "calendar.view": _("calendar viewed"),
    "callback.handle": _("call-back handled"),
    "callback.request": _("call-back requested"),
    "callback.view": _("call-back viewed"),
    "candidate_sites.import": _("candidate sites imported"),
    "center.catchment": _("catchment changed"),
    "emergency_access.grant": _("emergency access granted"),
    "emergency_access.review": _("emergency access reviewed"),
    "feedback.submit": _("page feedback given"),
    "visit_feedback.give": _("feedback after a visit given"),
    "visit_feedback.approve": _("feedback text approved"),
    "visit_feedback.reject": _("feedback text rejected and deleted"),
    "municipality.create": _("municipality created"),
    "person.create": _("person registered"),
    "person.view": _("person viewed"),
    "postcodes.import": _("postcodes imported"),
    "purge.run": _("retention purge run"),
    "question.answer": _("question answered"),
    "question.ask": _("question asked"),
    "reminder.cancelled": _("reminder cancelled"),
    "reminder.failed": _("reminder failed"),
    "reminder.retry": _("reminder retried"),
    "reminder.sent": _("reminder sent"),
    "scenario.create": _("planning scenario created"),
    "scenario.delete": _("planning scenario deleted"),
    "scenario.start": _("planning scenario's computing started"),
    "scenario.finish": _("planning scenario computed"),
    "scenario.fail": _("planning scenario could not be computed"),
    "scenario.rerun": _("planning scenario run again"),
    "slots.publish": _("bookable times published"),
    "task.done": _("task done"),
    "user.create": _("staff account created"),
    "user.roles": _("roles changed"),
    "user.sign_in": _("signed in"),
    "user.sign_out_everywhere": _("signed out on all devices"),
    "outreach.create": _("outreach shift recorded"),
    "outreach.update": _("outreach shift corrected"),
    "group.create": _("group activity created"),
    "group.add_session": _("group session added"),
    "group.attendance": _("group attendance recorded"),
    "participant.register": _("group participant registered"),
    "participant.leave": _("group participant left"),
    "participant.attendance": _("group participant marked present or absent"),
    "participant.view": _("group participants viewed"),
    "waiting.add": _("added to a group's waiting list"),
    "waiting.offer": _("group place offered from the waiting list"),
}
GENERIC_VERBS = {
    "create": _("%(object)s created"),
    "update": _("%(object)s changed"),
    "delete": _("%(object)s removed"),
}
# Nouns for objects whose model has no translated verbose name.
NOUNS = {
    "Appointment": _("booked visit"),
    "Slot": _("bookable time"),
    "Reminder": _("reminder"),
    "CallbackRequest": _("call-back request"),
    "AnonymousQuestion": _("anonymous question"),
    "FollowUpTask": _("follow-up task"),
    "PurgeProtocol": _("purge protocol"),
    "PageFeedback": _("page feedback"),
    "EmergencyAccess": _("emergency access"),
    "User": _("staff account"),
    "CatchmentMembership": _("catchment"),
    "StaffProfile": _("staff profile"),
}
# Objects shown by name in the log: names that are public or staff data, never a resident's.
NAMED_OBJECTS = {
    "Center",
    "Service",
    "Area",
    "Municipality",
    "Partner",
    "PartnerService",
    "LegalBasis",
    "Scenario",
    "User",
}


def _model(class_name):
    lowered = class_name.lower()
    return next((m for m in apps.get_models() if m.__name__.lower() == lowered), None)


def _noun(class_name, model):
    if class_name in NOUNS:
        return str(NOUNS[class_name])
    return str(model._meta.verbose_name) if model is not None else class_name


def action_label(code):
    """An audit action code ("person.view") as words ("person viewed")."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    kind, _dot, verb = code.partition(".")
    model = _model(kind)
    if model is not None and verb in GENERIC_VERBS:
        return str(GENERIC_VERBS[verb] % {"object": _noun(model.__name__, model)})
    return code


def object_labels(events):
    """{(object_type, object_id): words} for audit events: a name where that is safe."""
    wanted = {}
    for event in events:
        if event.object_type:
            wanted.setdefault(event.object_type, set()).add(event.object_id)
    labels = {}
    for class_name, ids in wanted.items():
        model = _model(class_name)
        noun = _noun(class_name, model)
        named = {}
        if model is not None and class_name in NAMED_OBJECTS:
            pks = [i for i in ids if i.isdigit()]
            named = {str(o.pk): str(o) for o in model.objects.filter(pk__in=pks)}
        for object_id in ids:
            labels[(class_name, object_id)] = named.get(object_id) or f"{noun} {object_id}"
    return labels
