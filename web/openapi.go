package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/antrian/antrian/account"
	"github.com/labstack/echo/v4"
)

// GET /api/openapi.json describes the HTTP API in OpenAPI 3.0: every route
// under /api, /jkn and /ws, and /healthz, /readyz and /metrics. The pages,
// their assets and /qr.svg are left out: they are for browsers, not
// programs. The document is built from apiOps below and the access table
// (who may call each route), so it cannot drift from the permissions; a
// test in cmd/antrian proves every route of the router is described and
// every described route exists, and web/openapi.json is the same document
// kept in the repository for reading (go test ./web -run OpenAPI -update).

// apiOp describes one operation.
type apiOp struct {
	method, path, tag, summary string
	body                       string // request schema name ("" none, "object" any JSON object)
	resp                       string // 2xx response schema name ("" none, "object" any JSON)
	ctype                      string // 2xx content type when not JSON
}

const (
	tagPublic = "public"
	tagStaff  = "queue (staff)"
	tagAdmin  = "settings"
	tagBTS    = "BTS (stunting)"
	tagJKN    = "Mobile JKN"
	tagInteg  = "integrations"
	tagReport = "reports"
	tagOps    = "operations"
	tagWS     = "websocket"
)

var apiOps = []apiOp{
	{"GET", "/healthz", tagOps, "Alive", "", "object", ""},
	{"GET", "/readyz", tagOps, "Postgres and Redis reachable (503 with Retry-After when not)", "", "object", ""},
	{"GET", "/metrics", tagOps, "Prometheus metrics (text exposition format); no personal data", "", "", "text/plain"},
	{"GET", "/api/openapi.json", tagOps, "This document", "", "object", ""},

	{"GET", "/api/v1/facilities", tagPublic, "List facilities (code, name)", "", "array", ""},
	{"GET", "/api/v1/facilities/:facility", tagPublic, "A facility with its units' live state", "", "Facility", ""},
	{"GET", "/api/v1/facilities/:facility/units", tagPublic, "The units' live state", "", "array", ""},
	{"POST", "/api/v1/facilities/:facility/tickets", tagPublic, "Book a ticket (Idempotency-Key header honoured)", "BookRequest", "Ticket", ""},
	{"GET", "/api/v1/tickets/:id", tagPublic, "A ticket, with header X-Ticket-Token", "", "Ticket", ""},
	{"DELETE", "/api/v1/tickets/:id", tagPublic, "Cancel a ticket, with header X-Ticket-Token", "", "Ticket", ""},
	{"GET", "/api/v1/push/key", tagPublic, "The VAPID public key for web push", "", "object", ""},
	{"POST", "/api/v1/tickets/:id/push", tagPublic, "Subscribe a browser to web push for a ticket (X-Ticket-Token)", "object", "", ""},

	{"POST", "/api/v1/auth/login", tagStaff, "Sign in; sets the session cookie and returns the CSRF token", "Login", "object", ""},
	{"POST", "/api/v1/auth/logout", tagStaff, "Sign out", "", "", ""},
	{"POST", "/api/v1/auth/logout-all", tagStaff, "Sign out every session of this account", "", "", ""},
	{"GET", "/api/v1/auth/me", tagStaff, "The signed-in account and its CSRF token", "", "object", ""},
	{"GET", "/api/v1/facilities/:facility/units/:unit/queue", tagStaff, "Waiting and current tickets in call order", "", "object", ""},
	{"POST", "/api/v1/facilities/:facility/units/:unit/call", tagStaff, "Call the next ticket (204 when nobody waits)", "Counter", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/call", tagStaff, "Call this ticket out of order", "Counter", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/recall", tagStaff, "Announce again", "object", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/start", tagStaff, "Start serving", "", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/finish", tagStaff, "Finish serving", "", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/skip", tagStaff, "Skip (no-show)", "", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/requeue", tagStaff, "Put a skipped ticket back in line", "", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/cancel", tagStaff, "Cancel (staff)", "", "Ticket", ""},
	{"POST", "/api/v1/tickets/:id/transfer", tagStaff, "Transfer to another unit", "object", "object", ""},
	{"GET", "/api/v1/facilities/:facility/displays", tagStaff, "Screens connected now and lately", "", "array", ""},
	{"GET", "/api/v1/facilities/:facility/counters", tagStaff, "The facility's counters (rooms, desks)", "", "array", ""},

	{"GET", "/api/v1/admin/facilities", tagAdmin, "Facilities the caller administers", "", "array", ""},
	{"POST", "/api/v1/admin/facilities", tagAdmin, "Create a facility (district admin)", "object", "object", ""},
	{"GET", "/api/v1/facilities/:facility/settings", tagAdmin, "Settings, units and accounts of a facility", "", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/settings", tagAdmin, "Change a facility's settings", "object", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/announcement", tagAdmin, "Set the running text of the screens", "object", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/units/:unit", tagAdmin, "Create or change a unit", "object", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/counters", tagAdmin, "Replace the counters", "object", "object", ""},
	{"POST", "/api/v1/facilities/:facility/users", tagAdmin, "Add a staff account", "object", "object", ""},
	{"PATCH", "/api/v1/facilities/:facility/users/:username", tagAdmin, "Change an account (role, password, disabled, units)", "object", "object", ""},
	{"GET", "/api/v1/facilities/:facility/tokens", tagAdmin, "API tokens of a facility", "", "array", ""},
	{"POST", "/api/v1/facilities/:facility/tokens", tagAdmin, "Create an API token (the secret is shown once)", "object", "object", ""},
	{"DELETE", "/api/v1/facilities/:facility/tokens/:token", tagAdmin, "Revoke an API token", "", "", ""},
	{"GET", "/api/v1/facilities/:facility/audit", tagAdmin, "The audit log", "", "array", ""},
	{"GET", "/api/v1/facilities/:facility/notifications/dead", tagAdmin, "Patient messages given up on", "", "array", ""},
	{"POST", "/api/v1/notifications/:id/retry", tagAdmin, "Send a dead message again", "", "object", ""},

	{"PUT", "/api/v1/bts/kecamatan/:code", tagBTS, "Create or rename a kecamatan", "object", "object", ""},
	{"PUT", "/api/v1/bts/desa/:code", tagBTS, "Create or change a desa", "object", "object", ""},
	{"POST", "/api/v1/bts/desa/:code/posyandu", tagBTS, "Add a posyandu", "object", "object", ""},
	{"PUT", "/api/v1/bts/facilities/:facility", tagBTS, "A facility's BTS settings", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/areas", tagBTS, "The facility's kecamatan, desa and posyandu", "", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/children", tagBTS, "Registered children", "", "array", ""},
	{"POST", "/api/v1/bts/facilities/:facility/children", tagBTS, "Register a child", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/children/:id", tagBTS, "A child with measurements and z-scores", "", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/children/:id/growth.svg", tagBTS, "A child's growth chart", "", "", "image/svg+xml"},
	{"POST", "/api/v1/bts/facilities/:facility/children/:id/measurements", tagBTS, "Record a measurement", "object", "object", ""},
	{"POST", "/api/v1/bts/facilities/:facility/pregnancies", tagBTS, "Register a pregnancy", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/pregnancies", tagBTS, "Pregnant women (?q= name or NIK)", "", "array", ""},
	{"GET", "/api/v1/bts/facilities/:facility/pregnancies/:id", tagBTS, "A pregnancy", "", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/enrolments", tagBTS, "Enrolled targets", "", "array", ""},
	{"POST", "/api/v1/bts/facilities/:facility/enrolments", tagBTS, "Enrol a target", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/cadres", tagBTS, "The facility's cadres (kader usernames) to assign at enrolment", "", "array", ""},
	{"POST", "/api/v1/bts/facilities/:facility/enrolments/:id/exit", tagBTS, "End an enrolment early (exited_on, exit_reason)", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/deliveries", tagBTS, "Delivery reports", "", "array", ""},
	{"POST", "/api/v1/bts/facilities/:facility/deliveries", tagBTS, "Report a delivery (multipart with a photo)", "object", "object", ""},
	{"GET", "/api/v1/bts/facilities/:facility/deliveries/:id/photo", tagBTS, "A delivery's photo", "", "", "image/jpeg"},
	{"POST", "/api/v1/bts/facilities/:facility/deliveries/:id/review", tagBTS, "Verify or reject a delivery", "object", "object", ""},
	{"GET", "/api/v1/bts/reports/prevalence", tagBTS, "Stunting, wasting and underweight prevalence", "", "object", ""},
	{"GET", "/api/v1/bts/reports/trend", tagBTS, "Monthly prevalence trend", "", "object", ""},
	{"GET", "/api/v1/bts/reports/compliance", tagBTS, "Delivery compliance", "", "object", ""},
	{"GET", "/api/v1/bts/reports/outcome", tagBTS, "Outcome of the intervention", "", "object", ""},
	{"GET", "/api/v1/bts/reports/cases", tagBTS, "Case list for one indicator", "", "array", ""},
	{"GET", "/api/v1/bts/reports/export.csv", tagBTS, "e-PPGBM export", "", "", "text/csv"},

	{"GET", "/jkn/:facility/auth", tagJKN, "Token for Mobile JKN (x-username, x-password headers)", "", "object", ""},
	{"GET", "/jkn/:facility/antrean/status/:kodepoli/:tanggal", tagJKN, "Queue status of a poli on a date", "", "object", ""},
	{"POST", "/jkn/:facility/antrean", tagJKN, "Take a ticket from Mobile JKN", "object", "object", ""},
	{"GET", "/jkn/:facility/antrean/sisapeserta/:kartu/:kodepoli/:tanggal", tagJKN, "A card holder's ticket and the people ahead", "", "object", ""},
	{"PUT", "/jkn/:facility/antrean/batal", tagJKN, "Cancel a Mobile JKN ticket", "object", "object", ""},
	{"POST", "/jkn/:facility/peserta", tagJKN, "Register a new patient", "object", "object", ""},

	{"GET", "/api/v1/facilities/:facility/integrations", tagInteg, "BPJS, SATUSEHAT and Mobile JKN settings (secrets hidden)", "", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/integrations/jkn", tagInteg, "Mobile JKN credentials and poli mapping", "object", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/integrations/bpjs", tagInteg, "BPJS Antrean FKTP credentials", "object", "object", ""},
	{"PUT", "/api/v1/facilities/:facility/integrations/satusehat", tagInteg, "SATUSEHAT credentials and locations", "object", "object", ""},
	{"GET", "/api/v1/facilities/:facility/integrations/bpjs/poli", tagInteg, "Poli reference from BPJS", "", "array", ""},
	{"GET", "/api/v1/facilities/:facility/integrations/bpjs/dokter", tagInteg, "Doctor reference from BPJS", "", "array", ""},
	{"GET", "/api/v1/facilities/:facility/integrations/failed", tagInteg, "BPJS/SATUSEHAT calls given up on", "", "array", ""},
	{"POST", "/api/v1/integrations/:id/retry", tagInteg, "Send a failed call again", "", "object", ""},
	{"GET", "/api/v1/tickets/:id/integrations", tagInteg, "A ticket's BPJS/SATUSEHAT calls", "", "array", ""},
	{"GET", "/api/v1/tickets/:id/referral", tagInteg, "A ticket's referral", "", "object", ""},
	{"POST", "/api/v1/tickets/:id/refer", tagInteg, "Refer a patient to a hospital", "object", "object", ""},
	{"GET", "/api/v1/facilities/:facility/referrals", tagInteg, "Referrals received", "", "array", ""},

	{"GET", "/api/v1/facilities/:facility/reports", tagReport, "Facility dashboard: every table (?from=&to=, at most 92 days)", "", "Report", ""},
	{"GET", "/api/v1/facilities/:facility/reports/:table", tagReport, "One table (units, days, hours, staff, sends; all for XLSX) as ?format=json|csv|xlsx", "", "ReportTable", ""},
	{"GET", "/api/v1/district/reports", tagReport, "District dashboard: every table (?month=yyyy-mm)", "", "Report", ""},
	{"GET", "/api/v1/district/reports/:table", tagReport, "One table (live, facilities, trend; all for XLSX) as ?format=json|csv|xlsx", "", "ReportTable", ""},

	{"GET", "/ws/display", tagWS, "WebSocket for screens: snapshot then events (?facility=&units=&since=)", "", "", ""},
	{"GET", "/ws/tickets/:id", tagWS, "WebSocket following one ticket (?token=)", "", "", ""},
}

// OpenAPIRoutes returns the method and echo path of every described
// operation, for the router agreement test.
func OpenAPIRoutes() [][2]string {
	out := make([][2]string, len(apiOps))
	for i, op := range apiOps {
		out[i] = [2]string{op.method, op.path}
	}
	return out
}

// InOpenAPI reports whether a router path belongs in the document.
func InOpenAPI(path string) bool {
	for _, p := range []string{"/api/", "/jkn/", "/ws/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return path == "/healthz" || path == "/readyz" || path == "/metrics"
}

var pathParam = regexp.MustCompile(`:([A-Za-z_]+)`)

var schemas = map[string]any{
	"Error": obj(map[string]any{"error": obj(map[string]any{
		"code":    str("invalid, unauthenticated, forbidden, not_found, duplicate, conflict, quota_full, closed, too_large, rate_limited, unavailable"),
		"message": str("Bahasa Indonesia"), "field": str("the input at fault")}, "code", "message")}, "error"),
	"Ticket": obj(map[string]any{"id": str(""), "facility": str(""), "unit": str(""), "service_date": str("yyyy-mm-dd"),
		"number": map[string]any{"type": "integer"}, "code": str("B-013"),
		"status":   map[string]any{"type": "string", "enum": []string{"waiting", "called", "serving", "done", "skipped", "cancelled", "transferred"}},
		"priority": str("lansia, hamil, disabilitas, balita or empty"), "channel": map[string]any{"type": "string", "enum": []string{"online", "kiosk", "desk", "jkn"}},
		"position": map[string]any{"type": "integer"}, "ahead": map[string]any{"type": "integer"}, "estimated_wait_s": map[string]any{"type": "integer"},
		"counter": str(""), "issued_at": str("RFC 3339"), "called_at": str("RFC 3339 or null"), "started_at": str("RFC 3339 or null"),
		"finished_at": str("RFC 3339 or null"), "transferred_to": str(""), "token": str("only in the answer that created the ticket")},
		"id", "facility", "unit", "service_date", "number", "code", "status"),
	"BookRequest": obj(map[string]any{"unit": str(""), "service_date": str("yyyy-mm-dd, default today"), "name": str(""),
		"phone": str("08..., +628..., 628..."), "nik": str("16 digits"), "bpjs": str("13 digits"), "priority": str(""),
		"channel": str("online (default), kiosk; desk for staff"), "notify": map[string]any{"type": "boolean"}}, "unit"),
	"Facility": obj(map[string]any{"code": str(""), "name": str(""), "timezone": str(""), "units": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}, "code", "name"),
	"Login":    obj(map[string]any{"username": str(""), "password": str("")}, "username", "password"),
	"Counter":  obj(map[string]any{"counter": str("Ruang 1")}),
	"ReportTable": obj(map[string]any{"name": str(""), "title": str(""), "columns": map[string]any{"type": "array", "items": str("")},
		"rows": map[string]any{"type": "array", "items": map[string]any{"type": "array", "items": map[string]any{}}}}, "name", "columns", "rows"),
	"Report": obj(map[string]any{"scope": str("facility code, empty for the district"), "from": str("yyyy-mm-dd"), "to": str("yyyy-mm-dd"),
		"tables": map[string]any{"type": "object", "additionalProperties": map[string]any{"$ref": "#/components/schemas/ReportTable"}}}),
}

func str(desc string) map[string]any {
	m := map[string]any{"type": "string"}
	if desc != "" {
		m["description"] = desc
	}
	return m
}

func obj(props map[string]any, required ...string) map[string]any {
	m := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		m["required"] = required
	}
	return m
}

func schemaRef(name string) map[string]any {
	switch name {
	case "object":
		return map[string]any{"type": "object"}
	case "array":
		return map[string]any{"type": "array", "items": map[string]any{"type": "object"}}
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// OpenAPI returns the document as JSON.
var OpenAPI = sync.OnceValue(func() []byte {
	paths := map[string]map[string]any{}
	for _, op := range apiOps {
		p := pathParam.ReplaceAllString(op.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		o := map[string]any{"tags": []string{op.tag}, "summary": op.summary,
			"operationId": strings.ToLower(op.method) + strings.NewReplacer("/", "_", ":", "", ".", "_", "-", "_").Replace(op.path)}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(op.path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]any{"type": "string"}})
		}
		if params != nil {
			o["parameters"] = params
		}
		if op.body != "" {
			o["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": schemaRef(op.body)}}}
		}
		ok := map[string]any{"description": "OK"}
		switch {
		case op.ctype != "":
			ok["content"] = map[string]any{op.ctype: map[string]any{"schema": map[string]any{"type": "string"}}}
		case op.resp != "":
			ok["content"] = map[string]any{"application/json": map[string]any{"schema": schemaRef(op.resp)}}
		}
		status := "200"
		switch {
		case op.tag == tagWS:
			status = "101"
			ok["description"] = "Switching to the WebSocket protocol (docs/api-v1.md describes the messages)"
		case op.method == "POST" && op.path == "/api/v1/facilities/:facility/tickets":
			status = "201"
			ok["description"] = "Created (200 when an Idempotency-Key replays an earlier booking)"
		}
		errRef := map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": schemaRef("Error")}}}
		o["responses"] = map[string]any{status: ok, "4XX": errRef, "5XX": errRef}
		perm, _, known := Access(op.method, op.path)
		if known {
			o["x-permission"] = string(perm)
			if perm == account.PermPublic || perm == account.PermMachineJKN {
				o["security"] = []any{}
			}
		}
		paths[p][strings.ToLower(op.method)] = o
	}
	tags := map[string]bool{}
	for _, op := range apiOps {
		tags[op.tag] = true
	}
	var tagList []any
	var names []string
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	for _, t := range names {
		tagList = append(tagList, map[string]any{"name": t})
	}
	doc := map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{"title": "antrian", "version": "v1",
			"description": "Online queue for Puskesmas, with the BTS stunting module. The contract is docs/api-v1.md; x-permission names the access-table permission of each operation. Pages, their assets and /qr.svg are not described."},
		"tags":  tagList,
		"paths": paths,
		"components": map[string]any{
			"schemas": schemas,
			"securitySchemes": map[string]any{
				"session": map[string]any{"type": "apiKey", "in": "cookie", "name": "antrian_session",
					"description": "From POST /api/v1/auth/login; state-changing requests also send X-CSRF-Token."},
				"token": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token made by an admin."},
			},
		},
		"security": []any{map[string]any{"session": []string{}}, map[string]any{"token": []string{}}},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		panic(err) // the document is built from constants
	}
	return append(b, '\n')
})

func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", OpenAPI())
}
