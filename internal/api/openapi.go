package api

import "net/http"

// openapiDoc describes the API (OpenAPI 3.1). Kept next to the routes; a
// test checks that every route is described.
const openapiDoc = `{
  "openapi": "3.1.0",
  "info": {"title": "Sekimori API", "version": "1"},
  "components": {
    "securitySchemes": {"token": {"type": "http", "scheme": "bearer"},
      "session": {"type": "apiKey", "in": "cookie", "name": "sekimori_session", "description": "from POST /api/v1/login; requests that change something also send the session's CSRF token in X-CSRF-Token"}},
    "schemas": {
      "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}}
    },
    "parameters": {
      "q": {"name": "q", "in": "query", "description": "LogsQL filter and pipes; a bare IP matches every IP field; Japanese terms match inside longer text", "schema": {"type": "string"}},
      "start": {"name": "start", "in": "query", "description": "RFC 3339, unix seconds, or a duration ago (24h, 7d)", "schema": {"type": "string"}},
      "end": {"name": "end", "in": "query", "schema": {"type": "string"}},
      "tenant": {"name": "tenant", "in": "query", "description": "narrow an admin's scope to one tenant, or 'unassigned'", "schema": {"type": "string"}}
    }
  },
  "security": [{"token": []}, {"session": []}],
  "paths": {
    "/healthz": {"get": {"security": [], "summary": "liveness", "responses": {"200": {"description": "ok"}}}},
    "/api/v1/login": {"post": {"security": [], "summary": "sign in: {user, password, totp}; sets the session cookie (HttpOnly, SameSite=Lax, Secure over TLS); rate-limited per client address",
      "requestBody": {"content": {"application/json": {}}},
      "responses": {"200": {"description": "{kind, user, role, tenant, tenants, permissions, csrf, expires_at}"}, "401": {"description": "code totp_required: send the code too; code unauthorized: refused (wrong name, password or code, or locked after 5 failures in 15 minutes, for 15 minutes)"}, "415": {"description": "not JSON"}, "429": {"description": "too many attempts from this address; see Retry-After"}}}},
    "/api/v1/logout": {"post": {"summary": "end the session (no-op for tokens)", "responses": {"204": {"description": "signed out"}}}},
    "/api/v1/session": {"get": {"summary": "who am I: user, role, tenant(s), permissions; for a session also its CSRF token and expiry", "responses": {"200": {"description": "{kind, user, role, tenant, tenants, permissions, csrf, expires_at}"}}}},
    "/api/v1/users": {"get": {"summary": "users the caller manages (provider admin: all; customer admin: its tenant's)", "responses": {"200": {"description": "list"}}},
      "post": {"summary": "create a local user: {name, role, tenant | tenants, password}; the role must be within the caller's", "responses": {"201": {"description": "the user"}, "403": {"description": "role beyond the caller's"}, "409": {"description": "name taken"}}}},
    "/api/v1/users/{id}": {"patch": {"summary": "change role, tenant(s), disabled, or unlock: {role, tenant, tenants, disabled, unlock}; a change of rights revokes the user's tokens and ends its sessions", "responses": {"200": {"description": "the user"}, "404": {"description": "no such user the caller manages"}}},
      "delete": {"summary": "delete a user; its tokens are revoked", "responses": {"204": {"description": "deleted"}, "404": {"description": "no such user the caller manages"}}}},
    "/api/v1/users/{id}/password": {"post": {"summary": "set a password: {password, current_password}; one's own needs the current one; other sessions end; rate-limited", "responses": {"204": {"description": "changed"}, "403": {"description": "wrong current password"}}}},
    "/api/v1/users/{id}/totp": {"post": {"summary": "start enrolment of a second factor (RFC 6238): {secret, uri (otpauth://)}, shown once", "responses": {"200": {"description": "{secret, uri}"}}},
      "delete": {"summary": "remove the second factor", "responses": {"204": {"description": "removed"}}}},
    "/api/v1/users/{id}/totp/confirm": {"post": {"summary": "confirm enrolment with a code: {code}", "responses": {"204": {"description": "second factor on"}, "400": {"description": "wrong code"}}}},
    "/api/v1/tokens": {"get": {"summary": "tokens the caller may see: its own; for user managers those within their rights", "responses": {"200": {"description": "list (never secrets)"}}},
      "post": {"summary": "create a token: {name, role, tenant | tenants, user, expires_in}; the secret is in the answer once; rate-limited", "responses": {"201": {"description": "{token, id, ...}"}, "403": {"description": "role beyond the caller's or the user's"}}}},
    "/api/v1/tokens/{id}": {"delete": {"summary": "revoke a token", "responses": {"204": {"description": "revoked"}, "404": {"description": "no such token the caller may see"}}}},
    "/readyz": {"get": {"summary": "readiness", "responses": {"200": {"description": "ready"}, "503": {"description": "not ready"}}}},
    "/metrics": {"get": {"summary": "Prometheus metrics", "responses": {"200": {"description": "text exposition format"}}}},
    "/api/v1/openapi.json": {"get": {"summary": "this document", "responses": {"200": {"description": "OpenAPI 3.1"}}}},
    "/api/v1/ingest": {"post": {"summary": "push newline-separated raw lines for a device; 200 only once durable",
      "parameters": [{"name": "device", "in": "query", "required": true, "schema": {"type": "string"}}, {"$ref": "#/components/parameters/tenant"}],
      "requestBody": {"content": {"text/plain": {}}, "description": "raw lines; Content-Encoding: gzip accepted"},
      "responses": {"200": {"description": "accepted count"}, "408": {"description": "body not received within http.body_read_timeout; nothing stored"}, "413": {"description": "body too large"}, "503": {"description": "spool full or disk guard; nothing stored; retry"}}}},
    "/api/v1/search": {"get": {"summary": "matching events as JSON lines, newest first",
      "parameters": [{"$ref": "#/components/parameters/q"}, {"$ref": "#/components/parameters/start"}, {"$ref": "#/components/parameters/end"}, {"$ref": "#/components/parameters/tenant"},
        {"name": "limit", "in": "query", "description": "default 1000; 0 streams every match unsorted", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "application/x-ndjson"}, "400": {"description": "bad query"}}}},
    "/api/v1/hits": {"get": {"summary": "time histogram",
      "parameters": [{"$ref": "#/components/parameters/q"}, {"$ref": "#/components/parameters/start"}, {"$ref": "#/components/parameters/end"}, {"$ref": "#/components/parameters/tenant"},
        {"name": "step", "in": "query", "schema": {"type": "string", "default": "1h"}}],
      "responses": {"200": {"description": "{step, buckets: [{time, count}]}"}}}},
    "/api/v1/facets": {"get": {"summary": "top values of a field, most frequent first (events without the field are not counted as a value)",
      "parameters": [{"$ref": "#/components/parameters/q"}, {"$ref": "#/components/parameters/start"}, {"$ref": "#/components/parameters/end"}, {"$ref": "#/components/parameters/tenant"},
        {"name": "field", "in": "query", "required": true, "schema": {"type": "string"}}, {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 10}}],
      "responses": {"200": {"description": "{field, values: [{value, count}]}"}}}},
    "/api/v1/tenants": {"get": {"summary": "tenants visible to the token", "responses": {"200": {"description": "list"}}},
      "post": {"summary": "create a tenant (admin)", "responses": {"201": {"description": "created"}, "409": {"description": "exists"}}}},
    "/api/v1/devices": {"get": {"summary": "devices visible to the token", "responses": {"200": {"description": "list"}}},
      "post": {"summary": "register a device (admin)", "responses": {"201": {"description": "created"}, "409": {"description": "name, source or devid taken"}}}},
    "/api/v1/alerts": {"get": {"summary": "alerts in the token's tenants, newest first",
      "parameters": [{"name": "status", "in": "query", "schema": {"enum": ["new", "acknowledged", "closed", "open"]}}, {"name": "severity", "in": "query", "description": "minimum severity", "schema": {"enum": ["informational", "low", "medium", "high", "critical"]}},
        {"name": "rule", "in": "query", "schema": {"type": "string"}}, {"name": "device", "in": "query", "schema": {"type": "string"}}, {"name": "since", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100}}, {"name": "before", "in": "query", "description": "paging: next_before of the previous page", "schema": {"type": "integer"}}, {"$ref": "#/components/parameters/tenant"}],
      "responses": {"200": {"description": "{alerts: [...], next_before}"}}}},
    "/api/v1/alerts/{id}": {"get": {"summary": "one alert with its event references (tenant.id + ingest.seq) and status history", "responses": {"200": {"description": "{alert, events, history}"}, "404": {"description": "no such alert in scope"}}}},
    "/api/v1/alerts/{id}/assign": {"post": {"summary": "assign the alert to an analyst: {assignee} (empty unassigns); kept in the alert's history with who and when", "responses": {"200": {"description": "the alert"}, "404": {"description": "not found"}}}},
    "/api/v1/alerts/{id}/status": {"post": {"summary": "change status: {status: new|acknowledged|closed, reason}; closing needs a reason", "responses": {"200": {"description": "the alert"}, "404": {"description": "no such alert in scope"}}}},
    "/api/v1/logs/verify": {"get": {"summary": "recompute a sealed day of a tenant's logs and compare it with its seal (hash chain over the original lines in arrival order, chained day to day)",
      "parameters": [{"name": "day", "in": "query", "required": true, "schema": {"type": "string", "format": "date"}}, {"$ref": "#/components/parameters/tenant"}],
      "responses": {"200": {"description": "{tenant, day, intact, reason, sealed, stored_lines, stored_root}"}}}},
    "/api/v1/audit": {"get": {"summary": "the audit trail, newest first (admin): who, when, from where, what before and after",
      "parameters": [{"name": "actor", "in": "query", "schema": {"type": "string"}}, {"name": "action", "in": "query", "schema": {"type": "string"}}, {"name": "since", "in": "query", "schema": {"type": "string"}},
        {"name": "limit", "in": "query", "schema": {"type": "integer"}}, {"name": "before", "in": "query", "schema": {"type": "integer"}}],
      "responses": {"200": {"description": "{entries: [...]}"}}}},
    "/api/v1/rules": {"get": {"summary": "loaded Sigma rules; for admins also the refused ones with reasons", "responses": {"200": {"description": "{rules, refused}"}}},
      "post": {"summary": "upload a Sigma rule file (admin): ?name=F.yml, YAML body; with &tenant=T the file holds that tenant's own Sigma filters; validated first (400 with file:line:col problems), stored in the state database, loaded by running servers", "responses": {"201": {"description": "{file, rules}"}, "400": {"description": "invalid rule"}}}},
    "/api/v1/rules/{name}": {"delete": {"summary": "remove an uploaded rule file (admin)", "responses": {"204": {"description": "removed"}, "404": {"description": "no such file"}}}},
    "/api/v1/rules/settings": {"get": {"summary": "per-tenant rule settings in scope", "responses": {"200": {"description": "{settings}"}}}},
    "/api/v1/rules/{id}/settings": {"put": {"summary": "enable/disable a rule (Sigma id or native signature id) for a tenant, with an optional severity override: {enabled, severity}", "parameters": [{"$ref": "#/components/parameters/tenant"}], "responses": {"200": {"description": "the setting"}}}},
    "/api/v1/hunt": {"post": {"summary": "run a Sigma detection rule (YAML body) over stored logs of the token's tenants; hits as JSON lines",
      "parameters": [{"$ref": "#/components/parameters/start"}, {"$ref": "#/components/parameters/end"}, {"$ref": "#/components/parameters/tenant"}],
      "responses": {"200": {"description": "application/x-ndjson {rule, event}"}, "400": {"description": "invalid rule"}}}},
    "/api/v1/unassigned": {"get": {"summary": "sources sending lines no device claims (admin)", "responses": {"200": {"description": "list"}}}},
    "/api/v1/assets": {"get": {"summary": "hosts of the caller's tenants with their inventories (software lists by source, completeness, collection time); ?ip= keeps hosts with that internal or public address", "parameters": [{"$ref": "#/components/parameters/tenant"}], "responses": {"200": {"description": "{assets}"}}}},
    "/api/v1/assets/{id}": {"get": {"summary": "one host with its history (what changed, when, from which source) and the alerts aimed at its addresses; another tenant's asset is 404", "responses": {"200": {"description": "{asset, alerts}"}, "404": {"description": "not found"}}}},
    "/api/v1/assets/import": {"post": {"summary": "import a tenant's inventory: the body is a hosts CSV (tenant,asset_id,hostname,ip,public_ip,role,criticality,os,os_version,inventory_complete,inventory_collected_at), a CycloneDX 1.4-1.6 or SPDX 2.3 JSON SBOM (with ?asset=ID; ?partial=true when it lists part of the software), or an nmap XML scan; ?name= the file name", "responses": {"200": {"description": "{kind, created, updated, unchanged}"}, "400": {"description": "the file's problems, by row and column"}}}},
    "/api/v1/knowledge": {"get": {"summary": "imported knowledge files with provenance (kind, file, feed date, SHA-256, records, skipped)", "responses": {"200": {"description": "{sources}"}}}},
    "/api/v1/knowledge/import": {"post": {"summary": "import a knowledge file, type detected from content: NVD CVE API 2.0 JSON, CISA KEV JSON, EPSS CSV, Debian security tracker JSON, Red Hat CSAF VEX, Suricata rules, Sigma YAML, signature CSV (vendor,signature_id,signature_name,cves,affected_products,target); gzip accepted", "responses": {"200": {"description": "the source record"}, "400": {"description": "not a known type, or no valid record"}}}},
    "/api/v1/triage/tasks": {"get": {"summary": "open data-quality tasks triage found: alert targets missing from the inventory, signatures nothing is known about", "responses": {"200": {"description": "{tasks}"}}}},
    "/api/v1/triage/settings": {"put": {"summary": "a tenant's reporting policy: {policy: relevant|all, fresh_days}; verdicts are recomputed", "responses": {"200": {"description": "the setting"}}}},
    "/api/v1/devices/{id}/configs": {"get": {"summary": "a device's configuration generations and pull attempts (new, unchanged, rejected, failed)", "responses": {"200": {"description": "{generations, pulls}"}}},
      "post": {"summary": "upload a configuration (FortiOS backup, RTX show config, IOS/ASA show running-config); stored as a new generation when it differs with secrets masked; truncated or malformed ones are rejected with an alert", "responses": {"200": {"description": "{generation, new, severity, reason, changes}"}, "422": {"description": "rejected: the reason"}}}},
    "/api/v1/devices/{id}/configs/pull": {"post": {"summary": "pull the device's configuration now through its collect source (FortiOS REST API or SSH); kept as a new generation when it changed", "responses": {"200": {"description": "{generation, new, severity, reason, changes}"}, "404": {"description": "no collect source"}, "422": {"description": "rejected as truncated or malformed"}, "502": {"description": "the pull failed"}}}},
    "/api/v1/ruleset-audit": {"get": {"summary": "ruleset scores of a tenant's devices (latest generations) and the tenant's score", "parameters": [{"$ref": "#/components/parameters/tenant"}], "responses": {"200": {"description": "{score, devices, skipped}"}}}},
    "/api/v1/devices/{id}/audit": {"get": {"summary": "ruleset audit of a generation (?generation=, default the latest): findings with severity, rules and ja/en explanation (unlocked rule, over-broad accepts, no logging, disabled, shadowed with the shadowing rules, redundant, overlaps, unused by the device's hit counters), a score per VDOM and its trend over recent generations", "responses": {"200": {"description": "{device, generation, score, reports, problems, trend}"}, "422": {"description": "no ruleset converter for this kind"}}}},
    "/api/v1/devices/{id}/restores": {"get": {"summary": "restore requests of a device", "responses": {"200": {"description": "{restores}"}}},
      "post": {"summary": "ask to push generation {generation} back to the device (with {reason}); a second person must approve", "responses": {"201": {"description": "the request"}}}},
    "/api/v1/restores/{id}/approve": {"post": {"summary": "approve a restore (not by the one who asked) and run it: backup pull, push over the FortiOS REST API, read-back compared with the generation", "responses": {"200": {"description": "{restore, differences}"}, "403": {"description": "the requester cannot approve"}, "502": {"description": "the restore failed; the request says where"}}}},
    "/api/v1/restores/{id}/refuse": {"post": {"summary": "refuse a pending restore", "responses": {"200": {"description": "the request"}}}},
    "/api/v1/devices/{id}/configs/diff": {"get": {"summary": "semantic (en, ja) and unified diff (secrets masked) of generations ?a= and ?b= (default the latest two)", "responses": {"200": {"description": "{a, b, semantic, semantic_ja, unified}"}}}},
    "/api/v1/devices/{id}/configs/{gen}": {"get": {"summary": "a generation's full file (gen or latest), restorable; masked (?masked=true, and always for roles that may not restore)", "responses": {"200": {"description": "text/plain"}}}},
    "/api/v1/devices/{id}/configs/{gen}/restore-script": {"get": {"summary": "FortiOS CLI that brings the latest configuration back to generation gen", "responses": {"200": {"description": "text/plain"}, "422": {"description": "not FortiOS"}}}},
    "/api/v1/unassigned/assign": {"post": {"summary": "assign a source to a device and move its held lines (admin)", "responses": {"200": {"description": "moved count"}}}}
  }
}
`

func (s *Server) openapi(w http.ResponseWriter, r *http.Request, _ principal) {
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(openapiDoc))
}
