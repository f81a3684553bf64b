from .audit import AuditEvent, AuditHead
from .booking import (
    AnonymousQuestion,
    Appointment,
    Availability,
    CallbackRequest,
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
from .staff import (
    CENTRE_ROLES,
    EmergencyAccess,
    EnrolmentLink,
    Membership,
    Partner,
    Role,
    RoleGrantRequest,
    StaffProfile,
)

__all__ = [
    "AnonymousQuestion",
    "Appointment",
    "Availability",
    "CallbackRequest",
    "FollowUpTask",
    "Mode",
    "PurgeProtocol",
    "Reminder",
    "Slot",
    "CENTRE_ROLES",
    "ContentVersion",
    "EmergencyAccess",
    "EnrolmentLink",
    "Membership",
    "Partner",
    "Person",
    "Role",
    "RoleGrantRequest",
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
