package web

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/antrian/antrian/account"
	"github.com/labstack/echo/v4"
)

// GET /api/openapi.json describes the HTTP API in OpenAPI 3.0: every route
// under /api, /jkn and /ws, and /healthz, /readyz and /metrics. The pages,
// their assets and /qr.svg are left out: they are for browsers, not
// programs. The document is built from the route table (web/routes.go),
// which gives each route its operation and who may call it, so it cannot
// drift from the router or the permissions; mount refuses a route for
// programs without an operation. web/openapi.json is the same document kept
// in the repository for reading (go test ./web -run OpenAPI -update), and a
// test validates it as OpenAPI 3.

// operation describes one route for the OpenAPI document.
type operation struct {
	tag, summary string
	body         string // request schema name ("" none, "object" any JSON object)
	resp         string // 2xx response schema name ("" none, "object" any JSON)
	ctype        string // 2xx content type when not JSON
	code         int    // the 2xx status, when not 200 (101 for WebSockets)
	codeText     string
}

// api starts the description of an operation.
func api(tag, summary string) *operation {
	op := &operation{tag: tag, summary: summary}
	if tag == tagWS {
		op.code, op.codeText = 101, "Switching to the WebSocket protocol (docs/api-v1.md describes the messages)"
	}
	return op
}

func (o *operation) in(schema string) *operation  { o.body = schema; return o }
func (o *operation) out(schema string) *operation { o.resp = schema; return o }
func (o *operation) as(ctype string) *operation   { o.ctype = ctype; return o }
func (o *operation) status(code int, text string) *operation {
	o.code, o.codeText = code, text
	return o
}

const (
	tagPublic = "public"
	tagStaff  = "queue (staff)"
	tagAdmin  = "settings"
	tagBTS    = "BTS (stunting)"
	tagJKN    = "Mobile JKN"
	tagInteg  = "integrations"
	tagWA     = "WhatsApp"
	tagReport = "reports"
	tagOps    = "operations"
	tagWS     = "websocket"
)

// operations returns every described route of the table.
func operations() []route {
	var out []route
	for _, r := range (&Server{}).routeTable() {
		if r.doc != nil {
			out = append(out, r)
		}
	}
	return out
}

// OpenAPIRoutes returns the method and echo path of every described
// operation, for the router agreement test.
func OpenAPIRoutes() [][2]string {
	var out [][2]string
	for _, r := range operations() {
		out = append(out, [2]string{r.method, r.path})
	}
	return out
}

// InOpenAPI reports whether a router path belongs in the document.
func InOpenAPI(path string) bool { return inOpenAPI(path) }

func inOpenAPI(path string) bool {
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
		"code":    str("invalid, unauthenticated, forbidden, not_found, duplicate, conflict, quota_full, closed, full, session_time, session_overlap, session_capacity, session_staff, no_show, not_today, not_on_premises, unknown_ticket, other_facility, too_large, rate_limited, unavailable"),
		"message": str("Bahasa Indonesia"), "field": str("the input at fault")}, "code", "message")}, "error"),
	"Ticket": obj(map[string]any{"id": str(""), "facility": str(""), "unit": str(""), "service_date": str("yyyy-mm-dd"),
		"number": map[string]any{"type": "integer"}, "code": str("B-013"),
		"status":   map[string]any{"type": "string", "enum": []string{"booked", "waiting", "called", "serving", "done", "skipped", "cancelled", "transferred", "no_show"}},
		"priority": str("lansia, hamil, disabilitas, balita or empty"), "channel": map[string]any{"type": "string", "enum": []string{"online", "kiosk", "desk", "jkn", "whatsapp"}},
		"position": map[string]any{"type": "integer"}, "ahead": map[string]any{"type": "integer"}, "estimated_wait_s": map[string]any{"type": "integer"},
		"window_start": str("RFC 3339; a ticket for a later day, or a booked ticket of a check-in unit: when it is expected to be served"), "window_end": str("RFC 3339"),
		"checked_in_at": str("RFC 3339; when the patient of a booked ticket checked in"),
		"counter":       str(""), "issued_at": str("RFC 3339"), "called_at": str("RFC 3339 or null"), "started_at": str("RFC 3339 or null"),
		"finished_at": str("RFC 3339 or null"), "transferred_to": str(""), "token": str("only in the answer that created the ticket")},
		"id", "facility", "unit", "service_date", "number", "code", "status"),
	"BookRequest": obj(map[string]any{"unit": str(""), "service_date": str("yyyy-mm-dd, default today"), "name": str(""),
		"phone": str("08..., +628..., 628..."), "nik": str("16 digits"), "bpjs": str("13 digits"), "priority": str(""),
		"channel": str("online (default), kiosk; desk for staff"), "notify": map[string]any{"type": "boolean"}}, "unit"),
	"Facility": obj(map[string]any{"code": str(""), "name": str(""), "timezone": str(""), "units": map[string]any{"type": "array", "items": map[string]any{"type": "object"}}}, "code", "name"),
	"CheckIn": obj(map[string]any{"code": str("a scanned ticket link (https://.../t/ID#TOKEN) or, by staff, a ticket code (B-014)"),
		"place": str("the check-in poster's key (phone check-in)")}),
	"Sessions": map[string]any{"type": "array", "items": obj(map[string]any{
		"weekday": map[string]any{"type": "integer", "minimum": 0, "maximum": 6, "description": "0 = Sunday ... 6 = Saturday"},
		"start":   str("hh:mm"), "end": str("hh:mm, after start; 24:00 allowed"), "staff": str("doctor or midwife"),
		"kodedokter": map[string]any{"type": "integer", "description": "BPJS kodedokter, 0 = none"},
		"capacity":   map[string]any{"type": "integer", "minimum": 0, "description": "tickets a day, 0 = no limit"}},
		"weekday", "start", "end")},
	"Login":   obj(map[string]any{"username": str(""), "password": str("")}, "username", "password"),
	"Counter": obj(map[string]any{"counter": str("Ruang 1")}),
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
func OpenAPI() []byte {
	openAPIOnce.Do(func() { openAPIDoc = buildOpenAPI() })
	return openAPIDoc
}

var (
	openAPIOnce sync.Once
	openAPIDoc  []byte
)

func buildOpenAPI() []byte {
	ops := operations()
	paths := map[string]map[string]any{}
	tags := map[string]bool{}
	for _, r := range ops {
		p := pathParam.ReplaceAllString(r.path, "{$1}")
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(r.method)] = r.openAPI()
		tags[r.doc.tag] = true
	}
	var names []string
	for t := range tags {
		names = append(names, t)
	}
	sort.Strings(names)
	var tagList []any
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
}

// openAPI is the route's operation object.
func (r route) openAPI() map[string]any {
	op := r.doc
	o := map[string]any{"tags": []string{op.tag}, "summary": op.summary,
		"operationId": strings.ToLower(r.method) + strings.NewReplacer("/", "_", ":", "", ".", "_", "-", "_").Replace(r.path)}
	var params []any
	for _, m := range pathParam.FindAllStringSubmatch(r.path, -1) {
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
	if op.code != 0 {
		status, ok["description"] = strconv.Itoa(op.code), op.codeText
	}
	errRef := map[string]any{"description": "Error", "content": map[string]any{"application/json": map[string]any{"schema": schemaRef("Error")}}}
	o["responses"] = map[string]any{status: ok, "4XX": errRef, "5XX": errRef}
	if len(r.rule.perms) > 0 {
		perms := make([]string, len(r.rule.perms))
		for i, p := range r.rule.perms {
			perms[i] = string(p)
		}
		o["x-permission"] = strings.Join(perms, " or ") // any one of them
		if r.rule.is(account.PermPublic) || r.rule.is(account.PermMachineJKN) {
			o["security"] = []any{}
		}
	}
	return o
}

func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "public, max-age=300")
	return c.Blob(http.StatusOK, "application/json", OpenAPI())
}
