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
from layers.models.duplicates import DuplicateDecision, DuplicateDecisionKind
from layers.models.exchange import (
    CaseEvent,
    DeliveryStatus,
    Partner,
    PartnerSubmission,
    WebhookDelivery,
    WebhookSubscriber,
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
from layers.models.public import PublicAttempt, PublicAttemptKind
from layers.models.statistics import (
    COUNTRY_CODE,
    AreaLevel,
    MonthFigure,
    MonthlyReport,
    MonthSnapshot,
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
    "COUNTRY_CODE",
    "OPEN_STATUSES",
    "ApiToken",
    "AreaLevel",
    "Attachment",
    "AttachmentKind",
    "CaseEvent",
    "CaseNote",
    "Category",
    "Channel",
    "CloseResult",
    "Complaint",
    "ComplaintHistory",
    "DeliveryStatus",
    "DuplicateDecision",
    "DuplicateDecisionKind",
    "ExportFormat",
    "ExportJob",
    "ExportStatus",
    "ForwardTarget",
    "HistoryKind",
    "MonthFigure",
    "MonthSnapshot",
    "MonthlyReport",
    "Notification",
    "Officer",
    "Partner",
    "PartnerSubmission",
    "PasswordResetAttempt",
    "PermissionLevel",
    "PublicAttempt",
    "PublicAttemptKind",
    "RegistrationRequest",
    "Role",
    "RoleAssignment",
    "Status",
    "Team",
    "TeamMembership",
    "TileCache",
    "TrackingCounter",
    "WebhookDelivery",
    "WebhookSubscriber",
]
