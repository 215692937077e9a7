"""The registry: the one source of truth. Everything else (index, scores, feeds) is derived."""

from .audit import AuditEvent, AuditLogIsAppendOnly
from .base import Base, utcnow
from .connection import (
    CONNECTION_MODES,
    CONNECTION_PLATFORMS,
    CONNECTION_STATUSES,
    HEALTH_STATES,
    Connection,
    ConnectionCheck,
    ConnectionDaily,
    ConnectionIncident,
    ConnectionMaintenance,
    ReuseMark,
)
from .database import DATABASE_STATUSES, PLATFORMS, Database
from .dataset import (
    DATASET_STATUSES,
    ORIGINS,
    UPDATE_FREQUENCIES,
    DataService,
    Dataset,
    DatasetSeries,
    dataservice_dataset,
)
from .distribution import Distribution
from .harvest import (
    JOB_STATUSES,
    PROTOCOLS,
    SCHEDULES,
    HarvestError,
    HarvestJob,
    HarvestRecord,
    HarvestSource,
)
from .job import JobRun
from .organization import Organization
from .page_cache import ChangeCounter, PageCacheEntry
from .portal import (
    DOWNLOAD_KINDS,
    FEEDBACK_KINDS,
    FEEDBACK_STATUSES,
    PLAN_STATUSES,
    DownloadCount,
    OpenDataPlan,
    PublicFeedback,
)
from .publishing import PUBLICATION_STATUSES, DistributionVersion, PersonalDataDecision, PublicationRequest
from .quality import REPORT_STATUSES, REPORT_TRIGGERS, LinkCheck, QualityReport
from .reference import AdminUnit, Licence, Theme
from .sharing import (
    AGREEMENT_STATUSES,
    DECIDED_STATUSES,
    PENDING_STATUSES,
    REQUEST_STATUSES,
    Notification,
    SharingAgreement,
    SharingRequest,
    SharingRequestItem,
)
from .tabular import PublicFile, TypeOverride
from .user import LINK_KINDS, ROLES, SCOPES, AccountLink, ApiToken, LoginAttempt, Membership, User

__all__ = [
    "AGREEMENT_STATUSES",
    "CONNECTION_MODES",
    "CONNECTION_PLATFORMS",
    "CONNECTION_STATUSES",
    "DATABASE_STATUSES",
    "DATASET_STATUSES",
    "DECIDED_STATUSES",
    "DOWNLOAD_KINDS",
    "FEEDBACK_KINDS",
    "FEEDBACK_STATUSES",
    "HEALTH_STATES",
    "JOB_STATUSES",
    "LINK_KINDS",
    "ORIGINS",
    "PENDING_STATUSES",
    "PLAN_STATUSES",
    "PLATFORMS",
    "PROTOCOLS",
    "PUBLICATION_STATUSES",
    "REPORT_STATUSES",
    "REPORT_TRIGGERS",
    "REQUEST_STATUSES",
    "ROLES",
    "SCHEDULES",
    "SCOPES",
    "UPDATE_FREQUENCIES",
    "AccountLink",
    "AdminUnit",
    "ApiToken",
    "AuditEvent",
    "AuditLogIsAppendOnly",
    "Base",
    "ChangeCounter",
    "Connection",
    "ConnectionCheck",
    "ConnectionDaily",
    "ConnectionIncident",
    "ConnectionMaintenance",
    "DataService",
    "Database",
    "Dataset",
    "DatasetSeries",
    "Distribution",
    "DistributionVersion",
    "DownloadCount",
    "HarvestError",
    "HarvestJob",
    "HarvestRecord",
    "HarvestSource",
    "JobRun",
    "Licence",
    "LinkCheck",
    "LoginAttempt",
    "Membership",
    "Notification",
    "OpenDataPlan",
    "Organization",
    "PageCacheEntry",
    "PersonalDataDecision",
    "PublicFeedback",
    "PublicFile",
    "PublicationRequest",
    "QualityReport",
    "ReuseMark",
    "SharingAgreement",
    "SharingRequest",
    "SharingRequestItem",
    "Theme",
    "TypeOverride",
    "User",
    "dataservice_dataset",
    "utcnow",
]
