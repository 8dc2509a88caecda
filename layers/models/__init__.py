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
from layers.models.documents import (
    DocumentPage,
    DocumentStatus,
    ExtractMethod,
    ScannedDocument,
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
    "DocumentPage",
    "DocumentStatus",
    "DuplicateDecision",
    "DuplicateDecisionKind",
    "ExportFormat",
    "ExportJob",
    "ExportStatus",
    "ExtractMethod",
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
    "RegistrationRequest",
    "Role",
    "RoleAssignment",
    "ScannedDocument",
    "Status",
    "Team",
    "TeamMembership",
    "TileCache",
    "TrackingCounter",
    "WebhookDelivery",
    "WebhookSubscriber",
]
