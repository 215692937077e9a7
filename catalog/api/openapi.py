"""The OpenAPI 3 document of `/api/v1/`, built from the same marshmallow schemas the API uses.

A test compares its paths and methods with the app's real routes, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from marshmallow import Schema

from ..schemas.registry import (
    DatabaseInput,
    DataServiceInput,
    DatasetInput,
    DistributionInput,
    OrganizationInput,
)
from . import api_modules
from . import serializers as out

_ERROR_BODY = {"application/json": {"schema": "Error"}}
_ERROR_REF = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}  # after apispec
_ERRORS = {
    "400": {"description": "The body is not valid JSON", "content": _ERROR_BODY},
    "401": {"description": "A bearer token is needed", "content": _ERROR_BODY},
    "403": {"description": "The token's user may not do this", "content": _ERROR_BODY},
    "404": {"description": "Not found, or not visible to the caller", "content": _ERROR_BODY},
    "422": {"description": "Field-level validation errors; nothing was changed", "content": _ERROR_BODY},
    "409": {"description": "Other records still refer to this one (`referenced_by` counts them per kind); "
                           "nothing was deleted", "content": {"application/json": {"schema": {
                               "type": "object", "required": ["error", "message", "referenced_by"],
                               "properties": {"error": {"type": "string", "enum": ["in_use"]},
                                              "message": {"type": "string"},
                                              "referenced_by": {"type": "object",
                                                                "additionalProperties": {"type": "integer"}}}}}}},
}

PAGING = [
    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}},
    {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}},
]


def json_schema(schema: type[Schema]) -> dict[str, Any]:
    """A marshmallow schema as a plain JSON Schema (inlined, so the shared document needs no new component)."""
    spec = APISpec("x", "1", "3.0.3", plugins=[MarshmallowPlugin(schema_name_resolver=lambda _s: None)])
    return spec.plugins[0].converter.schema2jsonschema(schema)


def content(schema: dict[str, Any], media_type: str = "application/json") -> dict[str, Any]:
    return {"content": {media_type: {"schema": schema}}}


def paged(schema: dict[str, Any]) -> dict[str, Any]:
    return content({"allOf": [{"$ref": "#/components/schemas/PageMeta"},
                              {"type": "object", "properties": {"items": {"type": "array", "items": schema}}}]})


def _q(name: str, description: str, enum: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if enum:
        schema["enum"] = enum
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _json(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _page_of(schema: str) -> dict[str, Any]:
    items = {"type": "array", "items": {"$ref": f"#/components/schemas/{schema}"}}
    page = {"allOf": [{"$ref": "#/components/schemas/PageMeta"}, {"type": "object", "properties": {"items": items}}]}
    return {"content": {"application/json": {"schema": page}}}


def _errors(*codes: str) -> dict[str, Any]:
    return {code: _ERRORS[code] for code in codes}


def _crud(tag: str, name: str, out_schema: str, in_schema: str, key: str, filters: list[dict[str, Any]],
          collection: str, item: str) -> dict[str, dict[str, Any]]:
    write = [{"bearer": []}]
    return {
        collection: {
            "get": {"tags": [tag], "summary": f"List {name}s", "parameters": [*PAGING, *filters],
                    "responses": {"200": {"description": f"A page of {name}s", **_page_of(out_schema)},
                                  "400": {"description": "page or per_page is not a whole number in range "
                                                         "(the body names the parameter)", "content": _ERROR_BODY}}},
            "post": {"tags": [tag], "summary": f"Register a {name}", "security": write,
                     "requestBody": {"required": True, **_json(in_schema)},
                     "responses": {"201": {"description": "Created", **_json(out_schema)},
                                   **_errors("400", "401", "403", "422")}},
        },
        item: {
            "parameters": [_path_param(key)],
            "get": {"tags": [tag], "summary": f"One {name}",
                    "responses": {"200": {"description": f"The {name}", **_json(out_schema)}, **_errors("404")}},
            "put": {"tags": [tag], "summary": f"Replace a {name} (absent optional fields are cleared)",
                    "security": write, "requestBody": {"required": True, **_json(in_schema)},
                    "responses": {"200": {"description": "Saved", **_json(out_schema)},
                                  **_errors("400", "401", "403", "404", "422")}},
            "patch": {"tags": [tag], "summary": f"Change some fields of a {name}", "security": write,
                      "requestBody": {"required": True, **_json(in_schema)},
                      "responses": {"200": {"description": "Saved", **_json(out_schema)},
                                    **_errors("400", "401", "403", "404", "422")}},
            "delete": {"tags": [tag], "summary": f"Delete a {name}", "security": write,
                       "responses": {"204": {"description": "Deleted"}, **_errors("401", "403", "404", "409", "422")}},
        },
    }


#: the `q` of every list: the search backend matches it (services/listing.py)
WORDS = "words, with or without diacritics, matched as /search matches them"


def _paths() -> dict[str, dict[str, Any]]:
    dataset_filters = [
        _q("q", WORDS),
        _q("organization", "publisher's code"), _q("database", "database code"),
        _q("access_level", "open, shared or restricted", ["open", "shared", "restricted"]),
        _q("theme", "theme code"), _q("licence", "licence code"), _q("format", "distribution format, e.g. CSV"),
        _q("keyword", "exact keyword"),
        _q("status", "draft, published or withdrawn (drafts: owners only)", ["draft", "published", "withdrawn"]),
        _q("master_data", "true for master data only"),
        _q("sort", "newest, downloadable (those giving data first), modified, title or -title",
           ["newest", "downloadable", "modified", "title", "-title"]),
    ]
    paths: dict[str, dict[str, Any]] = {
        "/": {"get": {"tags": ["meta"], "summary": "Entry point with links to the collections",
                      "responses": {"200": {"description": "Links"}}}},
        "/openapi.json": {"get": {"tags": ["meta"], "summary": "This document",
                                  "responses": {"200": {"description": "OpenAPI 3 document"}}}},
        "/me": {"get": {"tags": ["meta"], "summary": "Who the token or session belongs to, and their roles",
                        "responses": {"200": {"description": "The caller", **_json("Me")}}}},
        "/themes": {"get": {"tags": ["code lists"], "summary": "Data themes",
                            "responses": {"200": {"description": "All themes"}}}},
        "/licences": {"get": {"tags": ["code lists"], "summary": "Licences",
                              "responses": {"200": {"description": "All licences"}}}},
        "/admin-units": {"get": {"tags": ["code lists"], "summary": "Province-level administrative units (2025)",
                                 "responses": {"200": {"description": "All units"}}}},
        "/datasets/{key}/distributions": {
            "parameters": [_path_param("key")],
            "get": {"tags": ["distributions"], "summary": "A dataset's distributions",
                    "responses": {"200": {"description": "The distributions"}, **_errors("404")}},
            "post": {"tags": ["distributions"], "summary": "Add a link (JSON) or upload a file (multipart)",
                     "security": [{"bearer": []}],
                     "requestBody": {"required": True, "content": {
                         "application/json": {"schema": "DistributionInput"},
                         "multipart/form-data": {"schema": {"type": "object", "properties": {
                             "file": {"type": "string", "format": "binary"},
                             "metadata": {"type": "string", "description": "DistributionInput as JSON"}}}},
                     }},
                     "responses": {"201": {"description": "Created", **_json("Distribution")},
                                   **_errors("400", "401", "403", "404", "422")}},
        },
        "/distributions/{dist_id}/download": {
            "parameters": [_path_param("dist_id")],
            "get": {"tags": ["distributions"],
                    "summary": "The file (trimmed to the columns the caller may receive) or a redirect to it",
                    "responses": {"200": {"description": "The file"}, "302": {"description": "External file"},
                                  **_errors("403", "404")}},
        },
    }
    paths.update(_publication_paths())
    paths.update(_crud("organizations", "organization", "Organization", "OrganizationInput", "code", [
        _q("q", WORDS), _q("kind", "ministry, province..."), _q("parent", "parent's code"),
        _q("sort", "name, code or kind", ["name", "code", "kind"])], "/organizations", "/organizations/{code}"))
    paths.update(_crud("databases", "database", "Database", "DatabaseInput", "code", [
        _q("q", WORDS), _q("kind", "national, sectoral, local or information_system"),
        _q("owner", "owner's code"), _q("status", "planned, building, operating or retired"),
        _q("platform", "NDXP, NDOP, LGSP, NPSP or VBQG"),
        _q("sort", "name, code or newest", ["name", "code", "newest"])],
        "/databases", "/databases/{code}"))
    paths.update(_crud("datasets", "dataset", "Dataset", "DatasetInput", "key", dataset_filters,
                       "/datasets", "/datasets/{key}"))
    paths["/datasets/{key}"]["get"]["responses"]["410"] = {
        "description": "Withdrawn open data: the reason, the date and the replacement, if any",
        "content": {"application/json": {"schema": {"type": "object"}}}}
    paths.update(_crud("dataservices", "data service", "DataService", "DataServiceInput", "slug", [
        _q("q", WORDS), _q("organization", "publisher's code")], "/dataservices", "/dataservices/{slug}"))
    dist_item = _crud("distributions", "distribution", "Distribution", "DistributionInput", "dist_id", [],
                      "/unused", "/distributions/{dist_id}")["/distributions/{dist_id}"]
    paths["/distributions/{dist_id}"] = dist_item
    return paths


def _publication_paths() -> dict[str, Any]:
    """The publication procedure (services/publishing.py): gates, a steward's approval, withdrawal."""
    state = {"description": "The dataset's status, its current request and every gate (result, rule, how to fix)",
             "content": {"application/json": {"schema": {"type": "object"}}}}
    blocked = {"description": "Some gates fail: `failed` lists each with its rule and how to fix it, or a field "
                              "is invalid (a reason missing, no pending request, approving one's own request)",
               "content": {"application/json": {"schema": {"type": "object"}}}}

    def body(props: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "object", "properties": props}
        if required:
            schema["required"] = required
        return {"required": bool(required), "content": {"application/json": {"schema": schema}}}

    text = {"type": "string"}
    write = {"security": [{"bearer": []}]}
    return {
        "/datasets/{key}/publication": {
            "parameters": [_path_param("key")],
            "get": {"tags": ["publishing"], "summary": "The publication request and the gates (editors, stewards)",
                    "responses": {"200": state, **_errors("401", "403", "404")}},
            "post": {"tags": ["publishing"], **write,
                     "summary": "Ask to publish the dataset as open data (an editor); 422 names each failed gate",
                     "requestBody": body({"note": text}),
                     "responses": {"201": state, "422": blocked, **_errors("401", "403", "404")}},
        },
        "/datasets/{key}/publication/approve": {
            "parameters": [_path_param("key")],
            "post": {"tags": ["publishing"], **write,
                     "summary": "Approve (a steward of the agency other than the requester, or an administrator)",
                     "requestBody": body({"note": text}),
                     "responses": {"200": state, "422": blocked, **_errors("401", "403", "404")}},
        },
        "/datasets/{key}/publication/refuse": {
            "parameters": [_path_param("key")],
            "post": {"tags": ["publishing"], **write, "summary": "Refuse with a reason (a steward)",
                     "requestBody": body({"reason": text}, ["reason"]),
                     "responses": {"200": state, "422": blocked, **_errors("401", "403", "404")}},
        },
        "/datasets/{key}/withdrawal": {
            "parameters": [_path_param("key")],
            "post": {"tags": ["publishing"], **write,
                     "summary": "Withdraw a published dataset; an open one keeps a tombstone (GET answers 410)",
                     "requestBody": body({"reason": text, "replaced_by": text}, ["reason"]),
                     "responses": {"200": state, "422": blocked, **_errors("401", "403", "404")}},
        },
    }


def build_spec() -> dict[str, Any]:
    cfg = current_app.config["CATALOG"]
    spec = APISpec(
        title="vn-data-catalog API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Registry of Vietnamese state agencies' databases, datasets and data services. "
                             "Reads are open (what a caller sees follows the access policy); writes need "
                             "`Authorization: Bearer <token>` (create tokens on your account page)."},
        servers=[{"url": cfg["BASE_URL"].rstrip("/") + "/api/v1"}],
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    for name, schema in (
        ("OrganizationInput", OrganizationInput), ("DatabaseInput", DatabaseInput), ("DatasetInput", DatasetInput),
        ("DistributionInput", DistributionInput), ("DataServiceInput", DataServiceInput),
        ("Organization", out.OrganizationOut), ("Database", out.DatabaseOut),
        ("DistributionVersion", out.DistributionVersionOut),
        ("Distribution", out.DistributionOut), ("Dataset", out.DatasetOut), ("DataService", out.DataServiceOut),
        ("PageMeta", out.PageMeta),
        ("Error", out.ErrorOut), ("Me", out.MeOut),
    ):
        spec.components.schema(name, schema=schema)
    paths = _paths()
    for module in api_modules():
        paths.update(getattr(module, "OPENAPI_PATHS", {}))
    for path, declared in paths.items():
        operations = dict(declared)  # modules' declarations stay untouched
        params = operations.pop("parameters", None)
        spec.path(path=path, operations=operations, parameters=params)
    document = spec.to_dict()
    _declare_answers_of_every_route(document)
    return document


#: What any route may answer whatever it does, because the checks run before it (tested in
#: tests/test_bad_parameters.py, tests/test_limits.py and tests/security): declared once here.
_EVERYWHERE = {
    "400": "A parameter or the body is not acceptable: a NUL byte, a page out of range, JSON that is not "
           "valid or nested too deeply (the body names the parameter)",
    "401": "The bearer token sent is invalid, expired or revoked (or a write came without one)",
    "429": "Too many requests from this address; try again after Retry-After seconds",
}


def _declare_answers_of_every_route(document: dict[str, Any]) -> None:
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for code, text in _EVERYWHERE.items():
                responses.setdefault(code, {"description": text, "content": _ERROR_REF})
            if "{" in path:  # a key that names nothing, or something the caller may not see
                responses.setdefault("404", {"description": _ERRORS["404"]["description"], "content": _ERROR_REF})
