"""Readable names of the connection codes (platforms, modes, statuses, health), in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PLATFORMS = {
    "NDXP": _l("NDXP (national data integration and sharing platform)"),
    "NDOP": _l("NDOP (National Data Center's coordination platform)"),
    "LGSP": _l("LGSP (the province's integration platform)"),
    "direct": _l("Direct link"),
}
MODES = {
    "realtime_api": _l("Real-time API"),
    "scheduled_sync": _l("Scheduled synchronisation"),
    "file_transfer": _l("File transfer"),
}
STATUSES = {
    "planned": _l("Planned"),
    "testing": _l("Testing"),
    "operating": _l("In operation"),
    "suspended": _l("Suspended"),
    "retired": _l("Retired"),
}
HEALTH = {
    "up": _l("Working"),
    "degraded": _l("Degraded"),
    "down": _l("Down"),
    "maintenance": _l("Maintenance"),
    "unknown": _l("Not monitored"),
}
#: Edge colours on the map (Okabe-Ito, with the state always written as well).
HEALTH_COLORS = {"up": "#009E73", "degraded": "#E69F00", "down": "#D55E00", "maintenance": "#56B4E9",
                 "unknown": "#999999"}
INCIDENT_CAUSES = {
    "failures": _l("the health check failed repeatedly"),
    "lag": _l("synchronisation is late"),
}
CHECK_KINDS = {"probe": _l("Probe"), "heartbeat": _l("Heartbeat")}
REUSE_DECISIONS = {"intended": _l("Intended"), "reused": _l("Now reused through a connection")}
