"""Sharing among agencies (Decree 47/2020 Arts. 34-49 as amended): requests, decisions, agreements,
their effect on access, the deadlines, the reports. Each module has one job:

- requests.py: drafts, the data asked for, what may be asked by default or only by special request;
- workflow.py: the table of transitions and who may make them; deadlines in working days;
- agreements.py: agreements coming into force, suspended, resumed, renewed, terminated, expired;
- access.py: the grants the access policy reads on every request;
- notices.py: who is told what; housekeeping.py: deadlines passing and agreements ending;
- reports.py: who shares and who does not.
"""

from . import access, housekeeping  # noqa: F401 - housekeeping registers its periodic job

install = access.install
