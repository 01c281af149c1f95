"""What `/docs.json` publishes: BentoML's generated OpenAPI document, made true.

BentoML 1.4 flattens `X | None` to `X` (so `null` looks refused where it is accepted, and
answers' `null`s look wrong), describes a 400 body's `detail` as a string, leaves the request
body optional and lists no 401, 403, 409, 415 or 503. Each API's request and answer are
described again from their own Pydantic models (JSON Schema 2020-12, hence OpenAPI 3.1), with
the refusals each endpoint can give in the one shape `serving.api.refusals` guarantees.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from pydantic import BaseModel

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

REF = "#/components/schemas/{model}"
REFUSAL = {
    "type": "object", "title": "Refusal", "required": ["error"],
    "description": "A refused request: what was wrong and, where one field is to blame, which "
                   "(a dotted path for a nested one, `body` for the body as a whole). A 409 "
                   "carries the record that was there first as `first`.",
    "properties": {"error": {"type": "string"}, "field": {"type": "string"},
                   "first": {"type": "object"}},
}
REASONS = {400: "malformed or out-of-range input", 401: "missing or invalid token",
           403: "role or town not allowed", 404: "no such firm, plan or visit",
           409: "conflicts with what is stored (already recorded, or no scoring run yet)",
           415: "the body is not application/json",
           422: "matches this schema but breaks a rule it cannot state (a credit code's "
                "check digits, a date outside the plan's period, start after end, a tier "
                "missing from ratios, a tier or probability filter on trigger warnings)",
           503: "sources or database not available"}
COMMON = (400, 401, 403, 415, 503)
EXTRA: dict[str, tuple[int, ...]] = {"firm": (404, 422), "schedule": (409, 422),
                                     "plan": (404,), "outcomes": (404, 409, 422),
                                     "decisions": (404, 409, 422), "warnings": (422,)}


def true_document(service: Any) -> dict[str, Any]:
    """The service's OpenAPI document with every API operation described by its models."""
    doc = copy.deepcopy(service.openapi_spec.asdict())
    doc["openapi"] = "3.1.0"
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    schemas["Refusal"] = REFUSAL
    doc["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
    refusal = {"application/json": {"schema": {"$ref": REF.format(model="Refusal")}}}
    for name, api in service.apis.items():
        operation = doc["paths"][api.route]["post"]
        body = _schema(api.input_spec, "validation", schemas)
        # no body at all is `{}`: refused where a field is required, answered where none is
        operation["requestBody"] = {"required": bool(body.get("required")),
                                    "content": {"application/json": {"schema": body}}}
        statuses = sorted((*COMMON, *EXTRA.get(name, ())))
        operation["responses"] = {
            "200": {"description": "Successful Response", "content": {"application/json": {
                "schema": _schema(api.output_spec, "serialization", schemas)}}},
            **{str(s): {"description": REASONS[s], "content": refusal} for s in statuses}}
        operation["security"] = [{"bearer": []}]
    return doc


def _schema(model: type[BaseModel], mode: Any, schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON Schema, its definitions moved into the document's components."""
    found = model.model_json_schema(ref_template=REF, mode=mode)
    schemas.update(found.pop("$defs", {}))
    return found


class PublishedSchema:
    """ASGI middleware answering `GET /docs.json` with the true document (built once)."""

    def __init__(self, app: ASGIApp, service: Callable[[], Any]):
        self.app, self.service = app, service
        self._body: bytes | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") != "/docs.json":
            await self.app(scope, receive, send)
            return
        if self._body is None:
            self._body = json.dumps(true_document(self.service())).encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(self._body)).encode())]})
        await send({"type": "http.response.body", "body": self._body})
