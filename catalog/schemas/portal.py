"""What the public portal accepts: a steward's planned open-data entry, the public's feedback and a
steward's answer. Text is length-limited so that nobody can fill the registry through a public form."""

from __future__ import annotations

from marshmallow import fields

from ..models import FEEDBACK_KINDS, PLAN_STATUSES, UPDATE_FREQUENCIES
from .base import BaseSchema, OptionalEmail, Text, code_format, max_len, one_of, words

#: Longest message and answer, in characters (a page of text).
MESSAGE_MAX = 4000


class PlanInput(BaseSchema):
    title_vi = Text(required=True, validate=max_len(500))
    title_en = Text(allow_none=True, validate=max_len(500))
    description_vi = Text(allow_none=True, validate=max_len(MESSAGE_MAX))
    description_en = Text(allow_none=True, validate=max_len(MESSAGE_MAX))
    themes = words(max_items=13, max_length=32)
    planned_date = fields.Date(required=True)
    update_frequency = Text(allow_none=True, validate=one_of(UPDATE_FREQUENCIES))
    status = Text(load_default="planned", validate=one_of(PLAN_STATUSES))
    #: The address (slug) of the agency's dataset that carries the plan out, once registered.
    dataset = Text(allow_none=True, validate=max_len(200))


class FeedbackInput(BaseSchema):
    kind = Text(required=True, validate=one_of(FEEDBACK_KINDS))
    #: For a request to open data: the agency asked (a problem goes to the dataset's publisher).
    organization = Text(allow_none=True, validate=code_format)
    subject = Text(required=True, validate=max_len(200))
    message = Text(required=True, validate=max_len(MESSAGE_MAX))
    author_name = Text(allow_none=True, validate=max_len(100))
    author_email = OptionalEmail(allow_none=True, validate=max_len(254))


class AnswerInput(BaseSchema):
    answer = Text(required=True, validate=max_len(MESSAGE_MAX))
