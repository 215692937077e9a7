"""Celery in server mode: `celery -A catalog.worker worker` (and `celery -A catalog.worker beat`).

The worker builds the app from the same CATALOG_* settings; every function registered with
`catalog.tasks.task` or `catalog.tasks.periodic` runs inside that app's context. Beat sends
`catalog.run_due` every minute, which enqueues the periodic jobs whose slot has come.
"""

from __future__ import annotations

from . import create_app
from .tasks import celery_for

flask_app = create_app()
celery = celery_for(flask_app)
