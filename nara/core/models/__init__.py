from .audit import AuditEvent, AuditHead
from .centers import CatchmentMembership, Center, Schedule, ScheduleException, StaffMember
from .content import MythFact, PageFeedback
from .geo import Area, AreaIndicator, Municipality, PostcodeArea
from .services import Service

__all__ = [
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
