"""The OpenAPI document of the gateway contract, from one template.

Every system that speaks the contract publishes the same document with its own
wording (its name, its id format, what "involvement" means there), with or
without the alerts paths. The template below is the single source of that
document; a plugin ships the document rendered for it (its ``openapi.yaml``),
and its tests check the shipped file against ``render``. To write it again
after a change here::

    python -m marac_core.gateway.openapi marac_lcs.emulator:LcsEmulator > plugins/lcs/marac_lcs/openapi.yaml

Template syntax: ``${word}`` is one of the wording's fields (or ``name``); a
value of several lines continues at the indentation of the line it stands in.
Lines between ``#if alerts`` and ``#else`` (or ``#end``) are kept only for a
system with alerts, those between ``#else`` and ``#end`` only without.
"""

from __future__ import annotations

import dataclasses
import importlib
import re
import sys
from typing import Any


@dataclasses.dataclass(frozen=True)
class GatewayWording:
    """What one system's document says about that system; the rest is the contract's."""

    short: str  # the system's short name, e.g. "LCS"
    system: str  # the system in a sentence: "The part of <system> that the marac runner uses."
    intro: str  # the opening paragraph of the description (lines of about 76 characters)
    id_example: str  # a person id, e.g. "LCS-1001"
    case_summary: str  # where a case_summary note goes, e.g. "the child's case summary"
    involvement: str  # what the involvement tells (one line, or lines of about 80 characters)
    teams: str  # examples of team names, e.g. "Assessment, Child in Need, IFST"


_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


def render(name: str, wording: GatewayWording, *, alerts: bool) -> str:
    """The document (YAML text) for system ``name``."""
    involvement = wording.involvement.strip()
    if "\n" in involvement:  # several lines: a block scalar, its lines indented under the key
        involvement = "|\n  " + involvement.replace("\n", "\n  ")
    values = {**dataclasses.asdict(wording), "name": name, "involvement": involvement}
    flags = {"alerts": alerts}
    keep: list[bool] = []
    lines: list[str] = []
    for line in TEMPLATE.splitlines():
        if line.startswith("#if "):
            keep.append(flags[line.removeprefix("#if ")])
        elif line == "#else":
            keep[-1] = not keep[-1]
        elif line == "#end":
            keep.pop()
        elif all(keep):
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(_PLACEHOLDER.sub(lambda m: values[m.group(1)].replace("\n", "\n" + indent), line))
    if keep:
        raise ValueError("the template has an #if without #end")
    return "\n".join(lines) + "\n"


def document(name: str, wording: GatewayWording, *, alerts: bool) -> dict[str, Any]:
    """The document for system ``name``, parsed."""
    import yaml  # only the tests and the command below need it

    return yaml.safe_load(render(name, wording, alerts=alerts))


def main(argv: list[str] | None = None) -> None:
    """Print the document of a GatewayEmulator subclass named as ``module:Class``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or ":" not in args[0]:
        raise SystemExit("usage: python -m marac_core.gateway.openapi package.module:EmulatorClass")
    module, _, attribute = args[0].partition(":")
    emulator = getattr(importlib.import_module(module), attribute)
    sys.stdout.write(render(emulator.name, emulator.openapi, alerts=emulator.alerts))


# The document, as a system with alerts has it (#if/#else mark what differs without).
TEMPLATE = """\
openapi: 3.1.0
info:
  title: marac ${short} gateway
  version: 1.1.0
  summary: The part of ${system} that the marac runner uses.
  description: |
    ${intro}

    * Authenticate with `POST /auth/token`, then send `Authorization: Bearer <access_token>`.
      A 401 on any other call means the token has expired or been revoked: get a new one.
    * Every write carries `external_ref`, an opaque reference chosen by the client
      (marac's obligation id). The gateway stores it with the object and lets the
      client search by it, so that a client whose answer was lost can find out
      whether its write landed instead of writing twice.
#if alerts
    * `confidential: true` must become ${short}'s own restriction of the note, alert or
      document (visible only to workers with access to restricted information).
#else
    * `confidential: true` must become ${short}'s own restriction of the note or document
      (visible only to workers with access to restricted information).
#end
    * Errors are JSON `{"error": {"code", "message"}}` with status 400 (validation),
#if alerts
      401 (authentication) or 404 (unknown person, alert or document).
#else
      401 (authentication) or 404 (unknown person or document).
#end
    * Dates are ISO 8601 dates (`2026-12-03`).
servers:
  - url: "{base_url}"
    description: The gateway's base URL, as configured in marac's settings for the ${name} system.
    variables:
      base_url:
        default: https://${name}-gateway.example.org/api/v1
tags:
  - name: auth
  - name: people
  - name: case-notes
#if alerts
  - name: alerts
#end
  - name: documents
security:
  - bearer: []
paths:
  /auth/token:
    post:
      operationId: createToken
      tags: [auth]
      summary: Exchange a service account's username and password for a bearer token.
      security: []
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema: {$ref: "#/components/schemas/Credentials"}
          application/json:
            schema: {$ref: "#/components/schemas/Credentials"}
      responses:
        "200":
          description: A bearer token.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Token"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
    delete:
      operationId: revokeToken
      tags: [auth]
      summary: Log out (revoke the bearer token sent with this request).
      responses:
        "204": {description: Revoked.}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /people:
    get:
      operationId: searchPeople
      tags: [people]
      summary: Search for people, generously, with their involvement in the same answer.
      description: |
        Returns every person whose surname (or an alias's) sounds like one of the
        `family` values, or whose date of birth or NHS number is equal. The client
        chooses among the results; the gateway does not rank or filter hard.
        At least one of `family`, `dob`, `nhs_number` is required.
      parameters:
        - name: family
          in: query
          description: A surname; repeat the parameter for other surnames (e.g. aliases).
          style: form
          explode: true
          schema:
            type: array
            items: {type: string, minLength: 1}
        - {name: given, in: query, description: Given name (informative only), schema: {type: string}}
        - {name: dob, in: query, schema: {type: string, format: date}}
        - {name: nhs_number, in: query, schema: {type: string}}
      responses:
        "200":
          description: The people found (possibly none).
          content:
            application/json:
              schema: {$ref: "#/components/schemas/PersonList"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /people/searches:
    post:
      operationId: searchManyPeople
      tags: [people]
      summary: Several searches for people in one request, each answered as searchPeople would.
      description: |
        Each search has the fields of searchPeople's query (family as a list) and
        is answered independently, in the same place of `results`: the people it
        found, or the error it met (a search without family, dob or nhs_number is
        a `validation_error` in its place; the others are still answered). At most
        100 searches a request. A gateway without this path answers 404 or 405;
        clients then search for one person a request.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/PersonSearches"}
      responses:
        "200":
          description: One result per search, in order.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/PersonSearchResults"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
  /people/{person_id}:
    parameters:
      - $ref: "#/components/parameters/PersonId"
    get:
      operationId: getPerson
      tags: [people]
      summary: One person, with their involvement.
      responses:
        "200":
          description: The person.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Person"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
  /people/{person_id}/case-notes:
    parameters:
      - $ref: "#/components/parameters/PersonId"
    get:
      operationId: listCaseNotes
      tags: [case-notes]
      summary: The person's case notes (including case summary entries), oldest first.
      parameters:
        - $ref: "#/components/parameters/ExternalRef"
      responses:
        "200":
          description: The case notes.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/CaseNoteList"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
    post:
      operationId: createCaseNote
      tags: [case-notes]
      summary: Add a case note, or (section case_summary) an entry in ${case_summary}.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/CaseNoteCreate"}
      responses:
        "201":
          description: The note as recorded.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/CaseNote"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
#if alerts
  /people/{person_id}/alerts:
    parameters:
      - $ref: "#/components/parameters/PersonId"
    get:
      operationId: listAlerts
      tags: [alerts]
      summary: The warnings/alerts on the person's record, active and expired, oldest first.
      parameters:
        - $ref: "#/components/parameters/ExternalRef"
        - name: ended_ref
          in: query
          description: Only alerts ended by the update that carried this reference.
          schema: {type: string}
        - name: status
          in: query
          schema: {type: string, enum: [active, expired]}
      responses:
        "200":
          description: The alerts.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/AlertList"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
    post:
      operationId: createAlert
      tags: [alerts]
      summary: Put a warning/alert on the person's record until a date.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/AlertCreate"}
      responses:
        "201":
          description: The alert as recorded.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Alert"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
  /people/{person_id}/alerts/{alert_id}:
    parameters:
      - $ref: "#/components/parameters/PersonId"
      - {name: alert_id, in: path, required: true, schema: {type: string}}
    patch:
      operationId: endAlert
      tags: [alerts]
      summary: End an alert. Ending an alert that has already ended changes nothing and answers 200.
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/AlertUpdate"}
      responses:
        "200":
          description: The alert as it now stands.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Alert"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
#end
  /people/{person_id}/documents:
    parameters:
      - $ref: "#/components/parameters/PersonId"
    get:
      operationId: listDocuments
      tags: [documents]
      summary: The person's documents, oldest first; deleted ones only when asked for.
      parameters:
        - $ref: "#/components/parameters/ExternalRef"
        - name: deleted_ref
          in: query
          description: Only documents deleted by the request that carried this reference.
          schema: {type: string}
        - name: status
          in: query
          description: "current (default): documents on the record; deleted: the recycle bin; all: both."
          schema: {type: string, enum: [current, deleted, all], default: current}
      responses:
        "200":
          description: The documents.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/DocumentList"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
    post:
      operationId: uploadDocument
      tags: [documents]
      summary: Upload a document to the person's record, optionally attached to one of their case notes.
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema: {$ref: "#/components/schemas/DocumentUpload"}
            encoding:
              file: {contentType: "*/*"}
      responses:
        "201":
          description: The document as recorded.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Document"}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
  /people/{person_id}/documents/{document_id}:
    parameters:
      - $ref: "#/components/parameters/PersonId"
      - {name: document_id, in: path, required: true, schema: {type: string}}
    delete:
      operationId: deleteDocument
      tags: [documents]
      summary: Move a document to the recycle bin. Deleting a deleted document answers 204 again.
      parameters:
        - name: deleted_ref
          in: query
          description: The client's reference for this deletion (searchable with listDocuments).
          schema: {type: string}
      responses:
        "204": {description: Deleted.}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "404": {$ref: "#/components/responses/NotFound"}
components:
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
  parameters:
    PersonId:
      name: person_id
      in: path
      required: true
      description: The ${short} person id, e.g. ${id_example}.
      schema: {type: string}
    ExternalRef:
      name: external_ref
      in: query
      description: Only objects written with this reference.
      schema: {type: string}
  responses:
    BadRequest:
      description: The request is not valid.
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    Unauthorized:
      description: No valid credentials or bearer token.
      headers:
        WWW-Authenticate: {schema: {type: string}}
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
    NotFound:
#if alerts
      description: No such person, alert or document.
#else
      description: No such person or document.
#end
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message]
          properties:
            code:
              type: string
              description: validation_error, invalid_credentials, unauthorized or not_found.
            message: {type: string}
    Credentials:
      type: object
      required: [username, password]
      properties:
        username: {type: string, minLength: 1}
        password: {type: string, minLength: 1}
    Token:
      type: object
      required: [access_token, token_type, expires_in]
      properties:
        access_token: {type: string, minLength: 1}
        token_type: {type: string, enum: [Bearer]}
        expires_in: {type: integer, description: Seconds until the token expires.}
    Worker:
      type: object
      required: [name]
      properties:
        name: {type: string}
        email: {type: [string, "null"]}
    Involvement:
      type: object
      description: ${involvement}
      required: [open, team, allocated_worker, team_manager]
      properties:
        open: {type: boolean}
        team: {type: [string, "null"], description: "e.g. ${teams}"}
        allocated_worker:
          anyOf: [{$ref: "#/components/schemas/Worker"}, {type: "null"}]
        team_manager:
          anyOf: [{$ref: "#/components/schemas/Worker"}, {type: "null"}]
    Person:
      type: object
      required: [id, name, dob, nhs_number, aliases, involvement]
      properties:
        id: {type: string, description: "The ${short} person id, e.g. ${id_example}."}
        name: {type: string}
        dob: {type: [string, "null"], format: date}
        nhs_number: {type: [string, "null"]}
        aliases: {type: array, items: {type: string}}
        postcode: {type: [string, "null"], description: "The current address's postcode, e.g. LS1 4AP."}
        involvement: {$ref: "#/components/schemas/Involvement"}
    PersonList:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/Person"}}
    PersonSearch:
      type: object
      description: At least one of family, dob, nhs_number.
      properties:
        family: {type: array, items: {type: string, minLength: 1}, description: Surnames (e.g. with aliases').}
        given: {type: [string, "null"], description: Given name (informative only)}
        dob: {type: [string, "null"], format: date}
        nhs_number: {type: [string, "null"]}
    PersonSearches:
      type: object
      required: [searches]
      properties:
        searches:
          type: array
          description: From 1 to 100 searches.
          items: {$ref: "#/components/schemas/PersonSearch"}
    PersonSearchResults:
      type: object
      required: [results]
      properties:
        results:
          type: array
          items:
            anyOf:
              - {$ref: "#/components/schemas/PersonList"}
              - {$ref: "#/components/schemas/Error"}
    CaseNoteCreate:
      type: object
      required: [title, text, external_ref]
      properties:
        title: {type: string, minLength: 1}
        text: {type: string, minLength: 1}
        copy_to:
          type: array
          description: Email addresses of workers to copy the note to (${short}'s "copy to" list).
          items: {type: string}
        external_ref: {type: string, minLength: 1}
        confidential: {type: boolean, default: false}
        section:
          type: [string, "null"]
          enum: [case_summary, null]
          description: case_summary puts the note in ${case_summary}; null makes an ordinary case note.
    CaseNote:
      type: object
      required: [id, person_id, title, text, copy_to, external_ref, confidential, section, created]
      properties:
        id: {type: string}
        person_id: {type: string}
        title: {type: string}
        text: {type: string}
        copy_to: {type: array, items: {type: string}}
        external_ref: {type: [string, "null"]}
        confidential: {type: boolean}
        section: {type: [string, "null"], enum: [case_summary, null]}
        created: {type: string, format: date-time}
    CaseNoteList:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/CaseNote"}}
#if alerts
    AlertCreate:
      type: object
      required: [text, expires, external_ref]
      properties:
        text: {type: string, minLength: 1}
        start: {type: string, format: date, description: "The first day the alert shows (default: today)."}
        expires: {type: string, format: date, description: The last day the alert shows.}
        external_ref: {type: string, minLength: 1}
        confidential: {type: boolean, default: false}
    AlertUpdate:
      type: object
      required: [status, ended]
      properties:
        status: {type: string, enum: [expired]}
        ended: {type: string, format: date}
        ended_ref: {type: string, description: The client's reference for this update (searchable with listAlerts).}
    Alert:
      type: object
      required: [id, person_id, text, start, expires, status, ended, confidential, external_ref, ended_ref, created]
      properties:
        id: {type: string}
        person_id: {type: string}
        text: {type: string}
        start: {type: string, format: date}
        expires: {type: string, format: date}
        status: {type: string, enum: [active, expired]}
        ended: {type: [string, "null"], format: date}
        confidential: {type: boolean}
        external_ref: {type: [string, "null"]}
        ended_ref: {type: [string, "null"]}
        created: {type: string, format: date-time}
    AlertList:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/Alert"}}
#end
    DocumentUpload:
      type: object
      required: [file, title, external_ref]
      properties:
        file: {type: string, contentMediaType: application/octet-stream, description: "The file, with its filename."}
        title: {type: string, minLength: 1}
        external_ref: {type: string, minLength: 1}
        case_note_id: {type: string, description: Attach the document to this case note of the same person.}
        confidential: {type: string, enum: ["true", "false"], default: "false"}
    Document:
      type: object
      required: [id, person_id, title, filename, media_type, size, sha256, external_ref, case_note_id,
                 confidential, status, deleted_ref, created]
      properties:
        id: {type: string}
        person_id: {type: string}
        title: {type: string}
        filename: {type: string}
        media_type: {type: string}
        size: {type: integer}
        sha256: {type: string}
        external_ref: {type: [string, "null"]}
        case_note_id: {type: [string, "null"]}
        confidential: {type: boolean}
        status: {type: string, enum: [current, deleted]}
        deleted_ref: {type: [string, "null"]}
        created: {type: string, format: date-time}
    DocumentList:
      type: object
      required: [items]
      properties:
        items: {type: array, items: {$ref: "#/components/schemas/Document"}}
"""

if __name__ == "__main__":
    main()
