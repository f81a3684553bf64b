from .audit import AuditEvent, AuditHead
from .booking import (
    AnonymousQuestion,
    Appointment,
    Availability,
    CallbackRequest,
    DailyRun,
    FollowUpTask,
    Mode,
    PurgeProtocol,
    Reminder,
    Slot,
)
from .centers import CatchmentMembership, Center, Schedule, ScheduleException, StaffMember
from .content import ContentVersion, MythFact, PageFeedback
from .geo import Area, AreaIndicator, Municipality, PostcodeArea
from .people import Person
from .services import Service
from .staff import CENTRE_ROLES, EmergencyAccess, Membership, Partner, Role, StaffProfile

__all__ = [
    "AnonymousQuestion",
    "Appointment",
    "Availability",
    "CallbackRequest",
    "FollowUpTask",
    "Mode",
    "DailyRun",
    "PurgeProtocol",
    "Reminder",
    "Slot",
    "CENTRE_ROLES",
    "ContentVersion",
    "EmergencyAccess",
    "Membership",
    "Partner",
    "Person",
    "Role",
    "StaffProfile",
    "Area",
    "AreaIndicator",
    "AuditEvent",
    "AuditHead",
    "CatchmentMembership",
    "Center",
    "Municipality",
    "MythFact",
    "PageFeedback",
    "PostcodeArea",
    "Schedule",
    "ScheduleException",
    "Service",
    "StaffMember",
]
