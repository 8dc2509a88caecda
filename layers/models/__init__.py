from layers.models.complaints import (
    OPEN_STATUSES,
    Category,
    Channel,
    CloseResult,
    Complaint,
    ForwardTarget,
    Status,
    TrackingCounter,
)
from layers.models.officers import (
    Officer,
    PasswordResetAttempt,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from layers.models.teams import Team, TeamMembership
from layers.models.tokens import ApiToken
from layers.models.workflow import (
    Attachment,
    AttachmentKind,
    CaseNote,
    ComplaintHistory,
    HistoryKind,
    Notification,
)

__all__ = [
    "OPEN_STATUSES",
    "ApiToken",
    "Attachment",
    "AttachmentKind",
    "CaseNote",
    "Category",
    "Channel",
    "CloseResult",
    "Complaint",
    "ComplaintHistory",
    "ForwardTarget",
    "HistoryKind",
    "Notification",
    "Officer",
    "PasswordResetAttempt",
    "PermissionLevel",
    "RegistrationRequest",
    "Role",
    "RoleAssignment",
    "Status",
    "Team",
    "TeamMembership",
    "TrackingCounter",
]
