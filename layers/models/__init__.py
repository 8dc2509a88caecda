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
from layers.models.exports import ExportFormat, ExportJob, ExportStatus, TileCache
from layers.models.officers import (
    Officer,
    PasswordResetAttempt,
    PermissionLevel,
    RegistrationRequest,
    Role,
    RoleAssignment,
)
from layers.models.teams import Team, TeamMembership
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
    "Attachment",
    "AttachmentKind",
    "CaseNote",
    "Category",
    "Channel",
    "CloseResult",
    "Complaint",
    "ComplaintHistory",
    "ExportFormat",
    "ExportJob",
    "ExportStatus",
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
    "TileCache",
    "TrackingCounter",
]
