"""Input schemas for people and their roles."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

from ..models import ROLES, SCOPES
from .base import BaseSchema, Text, code_format, max_len, one_of

MIN_PASSWORD = 10


class UserInput(BaseSchema):
    email = fields.Email(required=True, validate=max_len(254))
    name = Text(required=True, validate=max_len(200))
    password = fields.String(
        required=True,
        load_only=True,
        validate=validate.Length(
            min=MIN_PASSWORD, max=500, error=_l("A password needs at least {min} characters.")
        ),
    )
    is_admin = fields.Boolean(load_default=False)
    locale = Text(allow_none=True, validate=one_of(("vi", "en")))


class MembershipInput(BaseSchema):
    email = fields.Email(required=True)
    organization = Text(required=True, validate=code_format)
    role = Text(required=True, validate=one_of(ROLES))


def _password(**kwargs: object) -> fields.String:
    return fields.String(
        load_only=True,
        validate=validate.Length(min=MIN_PASSWORD, max=500, error=_l("A password needs at least {min} characters.")),
        **kwargs,
    )


class TokenInput(BaseSchema):
    name = Text(required=True, validate=max_len(100))
    scopes = fields.List(Text(validate=one_of(SCOPES)), load_default=lambda: ["read"],
                         validate=validate.Length(min=1, error=_l("Choose at least one scope.")))
    expires_in_days = fields.Integer(
        allow_none=True, validate=validate.Range(min=1, max=3650, error=_l("Between {min} and {max} days."))
    )


class InvitationInput(BaseSchema):
    email = fields.Email(required=True, validate=max_len(254))
    name = Text(allow_none=True, validate=max_len(200))
    organization = Text(allow_none=True, validate=code_format)
    role = Text(allow_none=True, validate=one_of(ROLES))
    is_admin = fields.Boolean(load_default=False)
    locale = Text(allow_none=True, validate=one_of(("vi", "en")))


class NewPasswordInput(BaseSchema):
    """A password one chooses oneself, typed twice."""

    password = _password(required=True)
    confirm = fields.String(required=True, load_only=True)


class PasswordChangeInput(NewPasswordInput):
    current = fields.String(required=True, load_only=True)
