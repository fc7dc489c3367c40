package web

import (
	"fmt"
	"strings"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/jkn"
	"github.com/antrian/antrian/queue"
	"github.com/labstack/echo/v4"
)

// route is one endpoint, declared once: its method and path, its handler,
// who may call it (rule), and, for the program-facing ones, its OpenAPI
// operation. The router, the access check and /api/openapi.json are all
// made from the table below, so none of them can drift from the others.
type route struct {
	method, path string
	handler      echo.HandlerFunc
	rule         rule
	doc          *operation // nil: for browsers only (pages and their assets)
	middleware   []echo.MiddlewareFunc
	maxBody      int64 // the cap on its request body; 0: Config.MaxBodyBytes
}

// limit gives a route that takes uploads its own cap on the request body.
func (r route) limit(n int64) route {
	r.maxBody = n
	return r
}

// rule says who may call a route: any one of perms, on the facility (and
// unit) that scope names. A route without a rule is refused at start-up.
type rule struct {
	perms []account.Perm
	scope scope
}

// scope says where a route's facility (and unit) come from.
type scope int

const (
	own        scope = iota // no facility in the request: the caller's own facility, or the district
	fromPath                // the :facility (and :unit) path parameters
	fromTicket              // the facility and unit of the ticket :id (loaded once, for the handler too)
	inHandler               // the handler loads the record the route is about and checks it with s.can
)

var scopeNames = [...]string{own: "own", fromPath: "facility", fromTicket: "ticket", inHandler: "handler"}

func allow(p account.Perm, sc scope) rule { return rule{perms: []account.Perm{p}, scope: sc} }

// anyOf is a rule met by any one of perms.
func anyOf(sc scope, perms ...account.Perm) rule { return rule{perms: perms, scope: sc} }

var (
	public = allow(account.PermPublic, own)
	// mobileJKN routes check Mobile JKN's own x-token (jknToken), not staff.
	mobileJKN = allow(account.PermMachineJKN, own)
	session   = allow(account.PermSession, own)
)

func (r rule) is(p account.Perm) bool { return len(r.perms) == 1 && r.perms[0] == p }

// routeTable is every route of the service. Pages and the API behind them
// are public where patients, kiosks and screens use them; what a page shows
// staff comes from the API, which each page calls with the caller's session.
func (s *Server) routeTable() []route {
	ticketAction := func(a queue.Action, summary, body string) route {
		return on("POST", "/api/v1/tickets/:id/"+string(a), s.act(a), allow(account.PermQueueRun, fromTicket),
			api(tagStaff, summary).in(body).out("Ticket"))
	}
	jknToken := []echo.MiddlewareFunc{s.jknRecover, s.jknToken}
	district := allow(account.PermDistrictAdmin, own)
	// BTS at the facility in the path: its staff manage and read, cadres
	// report, the Dinas Kesehatan reads; btsAny is for what both cadres
	// and readers see (a cadre only their own, which the service decides).
	btsManage, btsRead, btsReport := allow(account.PermBTSManage, fromPath), allow(account.PermBTSRead, fromPath), allow(account.PermBTSReport, fromPath)
	btsAny := anyOf(fromPath, account.PermBTSReport, account.PermBTSRead)
	btsReports := allow(account.PermBTSRead, own) // the facility is reportScope's choice
	routes := []route{
		on("GET", "/healthz", s.healthz, public, api(tagOps, "Alive").out("object")),
		on("GET", "/readyz", s.readyz, public, api(tagOps, "Postgres and Redis reachable (503 with Retry-After when not)").out("object")),
		on("GET", "/metrics", s.serveMetrics, public, api(tagOps, "Prometheus metrics (text exposition format); no personal data").as("text/plain")),
		on("GET", "/api/openapi.json", s.openAPI, public, api(tagOps, "This document").out("object")),

		// Patients, kiosks and screens.
		on("GET", "/api/v1/facilities", s.listFacilities, public, api(tagPublic, "List facilities (code, name)").out("array")),
		on("GET", "/api/v1/facilities/:facility", s.getFacility, public, api(tagPublic, "A facility with its units' live state").out("Facility")),
		on("GET", "/api/v1/facilities/:facility/units", s.getUnits, public, api(tagPublic, "The units' live state").out("array")),
		on("POST", "/api/v1/facilities/:facility/tickets", s.createTicket, public,
			api(tagPublic, "Book a ticket (Idempotency-Key header honoured)").in("BookRequest").out("Ticket").status(201, "Created (200 when an Idempotency-Key replays an earlier booking)")),
		on("GET", "/api/v1/tickets/:id", s.getTicket, public, api(tagPublic, "A ticket, with header X-Ticket-Token").out("Ticket")),
		on("DELETE", "/api/v1/tickets/:id", s.cancelTicket, public, api(tagPublic, "Cancel a ticket, with header X-Ticket-Token").out("Ticket")),
		on("GET", "/api/v1/push/key", s.pushKey, public, api(tagPublic, "The VAPID public key for web push").out("object")),
		on("POST", "/api/v1/tickets/:id/push", s.pushSubscribe, public, api(tagPublic, "Subscribe a browser to web push for a ticket (X-Ticket-Token)").in("object")),
		on("POST", "/api/v1/facilities/:facility/checkin", s.checkInAt, public,
			api(tagPublic, "Check in on arrival: a scanned ticket link (kiosk, desk scanner), or a ticket code typed by staff").in("CheckIn").out("Ticket")),
		on("POST", "/api/v1/facilities/:facility/checkin/scan", s.checkInScan, public,
			api(tagPublic, "Check in from a kiosk camera frame (image/jpeg or image/png body) holding a ticket's QR code; 204 when it holds none").out("Ticket")).limit(scanLimit),
		on("POST", "/api/v1/tickets/:id/checkin", s.checkInTicket, public,
			api(tagPublic, "Check in from the patient's phone (X-Ticket-Token) with the key of the check-in poster at the entrance").in("CheckIn").out("Ticket")),
		on("GET", "/ws/display", s.wsDisplay, public, api(tagWS, "WebSocket for screens: snapshot then events (?facility=&units=&since=)")),
		on("GET", "/ws/tickets/:id", s.wsTicket, public, api(tagWS, "WebSocket following one ticket (?token=)")),

		// Staff: sessions and the queue.
		on("POST", "/api/v1/auth/login", s.login, public, api(tagStaff, "Sign in; sets the session cookie and returns the CSRF token").in("Login").out("object")),
		on("POST", "/api/v1/auth/logout", s.logout, session, api(tagStaff, "Sign out")),
		on("POST", "/api/v1/auth/logout-all", s.logoutAll, session, api(tagStaff, "Sign out every session of this account")),
		on("GET", "/api/v1/auth/me", s.me, session, api(tagStaff, "The signed-in account and its CSRF token").out("object")),
		on("GET", "/api/v1/facilities/:facility/units/:unit/queue", s.getQueue, allow(account.PermQueueRead, fromPath), api(tagStaff, "Waiting and current tickets in call order").out("object")),
		on("POST", "/api/v1/facilities/:facility/units/:unit/call", s.callNext, allow(account.PermQueueRun, fromPath), api(tagStaff, "Call the next ticket (204 when nobody waits)").in("Counter").out("Ticket")),
		ticketAction(queue.ActionCall, "Call this ticket out of order", "Counter"),
		ticketAction(queue.ActionRecall, "Announce again", "object"),
		ticketAction(queue.ActionStart, "Start serving", ""),
		ticketAction(queue.ActionFinish, "Finish serving", ""),
		ticketAction(queue.ActionSkip, "Skip (no-show)", ""),
		ticketAction(queue.ActionRequeue, "Put a skipped ticket back in line", ""),
		ticketAction(queue.ActionCancel, "Cancel (staff)", ""),
		on("POST", "/api/v1/tickets/:id/transfer", s.transfer, allow(account.PermQueueRun, fromTicket), api(tagStaff, "Transfer to another unit").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/displays", s.listDisplays, allow(account.PermQueueRead, fromPath), api(tagStaff, "Screens connected now and lately").out("array")),
		on("GET", "/api/v1/facilities/:facility/counters", s.getCounters, allow(account.PermQueueRead, fromPath), api(tagStaff, "The facility's counters (rooms, desks)").out("array")),

		// Settings (web/admin.go, web/security.go, web/notify.go).
		on("GET", "/api/v1/admin/facilities", s.adminFacilities, allow(account.PermAdmin, own), api(tagAdmin, "Facilities the caller administers").out("array")),
		on("POST", "/api/v1/admin/facilities", s.createFacility, allow(account.PermDistrictAdmin, own), api(tagAdmin, "Create a facility (district admin)").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/settings", s.getSettings, allow(account.PermAdmin, fromPath), api(tagAdmin, "Settings, units and accounts of a facility").out("object")),
		on("PUT", "/api/v1/facilities/:facility/settings", s.putSettings, allow(account.PermAdmin, fromPath), api(tagAdmin, "Change a facility's settings").in("object").out("object")),
		on("PUT", "/api/v1/facilities/:facility/announcement", s.putAnnouncement, allow(account.PermAdmin, fromPath), api(tagAdmin, "Set the running text of the screens").in("object").out("object")),
		on("PUT", "/api/v1/facilities/:facility/units/:unit", s.putUnit, allow(account.PermAdmin, fromPath), api(tagAdmin, "Create or change a unit").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/units/:unit/sessions", s.getSessions, allow(account.PermAdmin, fromPath), api(tagAdmin, "A unit's practice sessions per weekday (hours, doctor or midwife, daily capacity)").out("Sessions")),
		on("PUT", "/api/v1/facilities/:facility/units/:unit/sessions", s.putSessions, allow(account.PermAdmin, fromPath), api(tagAdmin, "Replace a unit's practice sessions; the unit then takes its hours, weekdays and capacity from them").in("Sessions").out("Sessions")),
		on("GET", "/api/v1/facilities/:facility/closed-days", s.listClosedDays, allow(account.PermAdmin, fromPath), api(tagAdmin, "Closed days (holidays) from ?from= (default today)").out("array")),
		on("PUT", "/api/v1/facilities/:facility/closed-days/:date", s.putClosedDay, allow(account.PermAdmin, fromPath), api(tagAdmin, "Close the facility on a day, with the reason patients are told").in("object").out("object")),
		on("DELETE", "/api/v1/facilities/:facility/closed-days/:date", s.deleteClosedDay, allow(account.PermAdmin, fromPath), api(tagAdmin, "Open a closed day again")),
		on("POST", "/api/v1/facilities/:facility/closed-days/import", s.importClosedDays, allow(account.PermAdmin, fromPath), api(tagAdmin, "Import closed days from CSV (date,reason), as a form file \"file\" or a text/csv body").out("object")),
		on("GET", "/api/v1/facilities/:facility/checkin-poster", s.checkInPoster, allow(account.PermAdmin, fromPath), api(tagAdmin, "The link of the check-in poster at the entrance").out("object")),
		on("PUT", "/api/v1/facilities/:facility/counters", s.putCounters, allow(account.PermAdmin, fromPath), api(tagAdmin, "Replace the counters").in("object").out("object")),
		on("POST", "/api/v1/facilities/:facility/users", s.createUser, allow(account.PermAdmin, fromPath), api(tagAdmin, "Add a staff account").in("object").out("object")),
		on("PATCH", "/api/v1/facilities/:facility/users/:username", s.patchUser, allow(account.PermAdmin, fromPath), api(tagAdmin, "Change an account (role, password, disabled, units)").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/tokens", s.listTokens, allow(account.PermAdmin, fromPath), api(tagAdmin, "API tokens of a facility").out("array")),
		on("POST", "/api/v1/facilities/:facility/tokens", s.createToken, allow(account.PermAdmin, fromPath), api(tagAdmin, "Create an API token (the secret is shown once)").in("object").out("object")),
		on("DELETE", "/api/v1/facilities/:facility/tokens/:token", s.revokeToken, allow(account.PermAdmin, fromPath), api(tagAdmin, "Revoke an API token")),
		on("GET", "/api/v1/facilities/:facility/audit", s.auditLog, allow(account.PermAdmin, fromPath), api(tagAdmin, "The audit log").out("array")),
		on("GET", "/api/v1/facilities/:facility/notifications/dead", s.deadLetters, allow(account.PermAdmin, fromPath), api(tagAdmin, "Patient messages given up on").out("array")),
		on("POST", "/api/v1/notifications/:id/retry", s.retryNotification, allow(account.PermAdmin, inHandler), api(tagAdmin, "Send a dead message again").out("object")),

		// National integrations: Mobile JKN calls us (web/jkn.go); BPJS,
		// SATUSEHAT and referrals (web/integrations.go).
		on("GET", "/jkn/:facility/auth", s.jknAuth, mobileJKN, api(tagJKN, "Token for Mobile JKN (x-username, x-password headers)").out("object"), s.jknRecover),
		on("GET", "/jkn/:facility/antrean/status/:kodepoli/:tanggal", s.jknStatus, mobileJKN, api(tagJKN, "Queue status of a poli on a date").out("object"), jknToken...),
		on("POST", "/jkn/:facility/antrean", s.jknBook, mobileJKN, api(tagJKN, "Take a ticket from Mobile JKN").in("object").out("object"), jknToken...),
		on("GET", "/jkn/:facility/antrean/sisapeserta/:kartu/:kodepoli/:tanggal", s.jknRemaining, mobileJKN, api(tagJKN, "A card holder's ticket and the people ahead").out("object"), jknToken...),
		on("PUT", "/jkn/:facility/antrean/batal", s.jknCancel, mobileJKN, api(tagJKN, "Cancel a Mobile JKN ticket").in("object").out("object"), jknToken...),
		on("POST", "/jkn/:facility/peserta", s.jknRegister, mobileJKN, api(tagJKN, "Register a new patient").in("object").out("object"), jknToken...),
		on(echo.RouteNotFound, "/jkn/:facility/*", s.jknNotFound, mobileJKN, nil),
		// Patients writing to a facility's WhatsApp number, through the
		// gateway's incoming webhook (web/whatsapp.go); each gateway's own
		// signature or shared secret is checked by package whatsapp.
		on("POST", "/api/v1/whatsapp/:gateway/:facility", s.whatsappIncoming, public,
			api(tagWA, "Incoming messages of a gateway (fonnte, wablas, starsender, whatsapp-cloud, generic); 401 unless signed").in("object").out("object")),
		on("GET", "/api/v1/whatsapp/:gateway/:facility", s.whatsappVerify, public,
			api(tagWA, "WhatsApp Cloud's verify-token handshake (hub.mode, hub.verify_token, hub.challenge)").as("text/plain")),
		on("GET", "/api/v1/facilities/:facility/integrations", s.getIntegrations, allow(account.PermAdmin, fromPath), api(tagInteg, "BPJS, SATUSEHAT and Mobile JKN settings (secrets hidden)").out("object")),
		on("PUT", "/api/v1/facilities/:facility/integrations/jkn", s.putJKN, allow(account.PermAdmin, fromPath), api(tagInteg, "Mobile JKN credentials and poli mapping").in("object").out("object")),
		on("PUT", "/api/v1/facilities/:facility/integrations/bpjs", s.putBPJS, allow(account.PermAdmin, fromPath), api(tagInteg, "BPJS Antrean FKTP credentials").in("object").out("object")),
		on("PUT", "/api/v1/facilities/:facility/integrations/satusehat", s.putSATUSEHAT, allow(account.PermAdmin, fromPath), api(tagInteg, "SATUSEHAT credentials and locations").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/integrations/bpjs/poli", s.bpjsRefPoli, allow(account.PermAdmin, fromPath), api(tagInteg, "Poli reference from BPJS").out("array")),
		on("GET", "/api/v1/facilities/:facility/integrations/bpjs/dokter", s.bpjsRefDokter, allow(account.PermAdmin, fromPath), api(tagInteg, "Doctor reference from BPJS").out("array")),
		on("GET", "/api/v1/facilities/:facility/integrations/failed", s.integrationFailures, allow(account.PermAdmin, fromPath), api(tagInteg, "BPJS/SATUSEHAT calls given up on").out("array")),
		on("POST", "/api/v1/integrations/:id/retry", s.retryIntegration, allow(account.PermAdmin, inHandler), api(tagInteg, "Send a failed call again").out("object")),
		on("GET", "/api/v1/tickets/:id/integrations", s.ticketIntegrations, allow(account.PermQueueRead, fromTicket), api(tagInteg, "A ticket's BPJS/SATUSEHAT calls").out("array")),
		on("GET", "/api/v1/tickets/:id/referral", s.ticketReferral, allow(account.PermQueueRead, fromTicket), api(tagInteg, "A ticket's referral").out("object")),
		on("POST", "/api/v1/tickets/:id/refer", s.refer, allow(account.PermQueueRun, fromTicket), api(tagInteg, "Refer a patient to a hospital").in("object").out("object")),
		on("GET", "/api/v1/facilities/:facility/referrals", s.referralsTo, allow(account.PermQueueRead, fromPath), api(tagInteg, "Referrals received").out("array")),

		// BTS, the stunting programme (web/bts*.go): the district's
		// geography, the registry, enrolment, the cadres' delivery reports
		// and the Dinas Kesehatan's reports.
		on("PUT", "/api/v1/bts/kecamatan/:code", s.btsSaveKecamatan, district, api(tagBTS, "Create or rename a kecamatan").in("object").out("object")),
		on("PUT", "/api/v1/bts/desa/:code", s.btsSaveDesa, district, api(tagBTS, "Create or change a desa").in("object").out("object")),
		on("POST", "/api/v1/bts/desa/:code/posyandu", s.btsAddPosyandu, district, api(tagBTS, "Add a posyandu").in("object").out("object")),
		on("PUT", "/api/v1/bts/facilities/:facility", s.btsSetFacility, district, api(tagBTS, "A facility's BTS settings").in("object").out("object")),
		on("GET", "/api/v1/bts/facilities/:facility/areas", s.btsAreas, btsAny, api(tagBTS, "The facility's kecamatan, desa and posyandu").out("object")),
		on("GET", "/api/v1/bts/facilities/:facility/children", s.btsListChildren, btsRead, api(tagBTS, "Registered children").out("array")),
		on("POST", "/api/v1/bts/facilities/:facility/children", s.btsCreateChild, btsManage, api(tagBTS, "Register a child").in("object").out("object").status(201, "Created")),
		on("GET", "/api/v1/bts/facilities/:facility/children/:id", s.btsGetChild, btsRead, api(tagBTS, "A child with measurements and z-scores").out("object")),
		on("GET", "/api/v1/bts/facilities/:facility/children/:id/growth.svg", s.btsGrowthChart, btsRead, api(tagBTS, "A child's growth chart").as("image/svg+xml")),
		on("POST", "/api/v1/bts/facilities/:facility/children/:id/measurements", s.btsMeasure, btsManage, api(tagBTS, "Record a measurement").in("object").out("object").status(201, "Created")),
		on("POST", "/api/v1/bts/facilities/:facility/pregnancies", s.btsCreatePregnancy, btsManage, api(tagBTS, "Register a pregnancy").in("object").out("object").status(201, "Created")),
		on("GET", "/api/v1/bts/facilities/:facility/pregnancies", s.btsListPregnancies, btsRead, api(tagBTS, "Pregnant women (?q= name or NIK)").out("array")),
		on("GET", "/api/v1/bts/facilities/:facility/pregnancies/:id", s.btsGetPregnancy, btsRead, api(tagBTS, "A pregnancy").out("object")),
		on("GET", "/api/v1/bts/facilities/:facility/enrolments", s.btsListEnrolments, btsReport, api(tagBTS, "Enrolled targets").out("array")),
		on("POST", "/api/v1/bts/facilities/:facility/enrolments", s.btsEnrol, btsManage, api(tagBTS, "Enrol a target").in("object").out("object").status(201, "Created")),
		on("GET", "/api/v1/bts/facilities/:facility/cadres", s.btsCadres, btsManage, api(tagBTS, "The facility's cadres (kader usernames) to assign at enrolment").out("array")),
		on("POST", "/api/v1/bts/facilities/:facility/enrolments/:id/exit", s.btsExitEnrolment, btsManage, api(tagBTS, "End an enrolment early (exited_on, exit_reason)").in("object").out("object")),
		on("GET", "/api/v1/bts/facilities/:facility/deliveries", s.btsListDeliveries, btsAny, api(tagBTS, "Delivery reports").out("array")),
		on("POST", btsUploadRoute, s.btsDeliver, btsReport,
			api(tagBTS, "Report a delivery (multipart with a photo)").in("object").out("object").status(201, "Created (200 when the client_id replays an earlier report)")).limit(btsUploadLimit),
		on("GET", "/api/v1/bts/facilities/:facility/deliveries/:id/photo", s.btsPhoto, btsAny, api(tagBTS, "A delivery's photo (a 302 to a short-lived link instead when ANTRIAN_PHOTO_S3_LINK_TTL is set)").as("image/jpeg")),
		on("POST", "/api/v1/bts/facilities/:facility/deliveries/:id/review", s.btsReview, btsManage, api(tagBTS, "Verify or reject a delivery").in("object").out("object")),
		on("GET", "/api/v1/bts/reports/prevalence", s.btsPrevalence, btsReports, api(tagBTS, "Stunting, wasting and underweight prevalence").out("object")),
		on("GET", "/api/v1/bts/reports/trend", s.btsTrend, btsReports, api(tagBTS, "Monthly prevalence trend").out("object")),
		on("GET", "/api/v1/bts/reports/compliance", s.btsCompliance, btsReports, api(tagBTS, "Delivery compliance").out("object")),
		on("GET", "/api/v1/bts/reports/outcome", s.btsOutcome, btsReports, api(tagBTS, "Outcome of the intervention").out("object")),
		on("GET", "/api/v1/bts/reports/cases", s.btsCases, btsReports, api(tagBTS, "Case list for one indicator").out("array")),
		on("GET", "/api/v1/bts/reports/export.csv", s.btsExport, btsReports, api(tagBTS, "e-PPGBM export (?format=csv or xlsx)").as("text/csv")),

		// Pages and their assets (web/pages.go).
		on("GET", "/", s.page("book", "title.book", []string{"book.js"}, nil), public, nil),
		on("GET", "/t/:id", s.page("track", "title.track", []string{"track.js"}, nil), public, nil),
		on("GET", "/console", s.page("console", "title.console", []string{"console.js"}, []string{"console.css"}), public, nil),
		on("GET", "/display", s.page("display", "title.display", []string{"display.js"}, []string{"display.css"}), public, nil),
		on("GET", "/hadir", s.page("hadir", "title.hadir", []string{"hadir.js"}, nil), public, nil),
		on("GET", "/kiosk", s.page("kiosk", "title.kiosk", []string{"kiosk.js"}, []string{"kiosk.css"}), public, nil),
		on("GET", "/admin", s.page("admin", "title.admin", []string{"admin.js"}, []string{"console.css"}), public, nil),
		on("GET", "/kader", s.btsKaderPage, public, nil), // the BTS pages: web/btspages.go
		// The cadre's page as an installable app that works offline: web/btspwa.go.
		on("GET", "/kader/manifest.webmanifest", s.kaderManifest, public, nil),
		on("GET", "/kader/icons/:name", s.kaderIcon, public, nil),
		on("GET", "/kader-sw.js", s.kaderServiceWorker, public, nil),
		on("GET", "/bts/laporan", s.btsReportPage, public, nil),
		on("GET", "/bts/verifikasi", s.btsVerifyPage, public, nil),
		on("GET", "/bts/sasaran", s.btsTargetsPage, public, nil),
		on("GET", "/static/:version/*", s.static, public, nil),
		on("POST", "/qr.svg", s.qrSVG, public, nil),
	}
	routes = append(routes, s.reportRoutes()...) // web/reports.go
	routes = append(routes, s.mapRoutes()...)    // web/maps.go
	return routes
}

// on declares a route.
func on(method, path string, h echo.HandlerFunc, who rule, doc *operation, mw ...echo.MiddlewareFunc) route {
	return route{method: method, path: path, handler: h, rule: who, doc: doc, middleware: mw}
}

// routeKey is how a route is found again from an echo context.
func routeKey(method, path string) string { return method + " " + path }

// mount checks the table and registers it. It fails, and so the service
// refuses to start, when a route has no access rule, an unknown permission
// or a scope its path cannot give, when a method and path are declared
// twice, or when an operation for programs (under /api, /jkn, /ws, and the
// operations endpoints) is not described for the OpenAPI document.
func (s *Server) mount(routes []route) error {
	s.rules = make(map[string]rule, len(routes))
	s.paths = map[string]bool{}
	s.bodyLimits = map[string]int64{}
	known := map[account.Perm]bool{}
	for _, p := range account.Perms() {
		known[p] = true
	}
	for _, r := range routes {
		key := routeKey(r.method, r.path)
		if err := r.check(known); err != nil {
			return fmt.Errorf("route %s: %w", key, err)
		}
		if _, dup := s.rules[key]; dup {
			return fmt.Errorf("route %s: declared twice", key)
		}
		s.rules[key] = r.rule
		s.paths[r.path] = true
		if r.maxBody > 0 {
			s.bodyLimits[key] = r.maxBody
		}
		s.echo.Add(r.method, r.path, r.handler, r.middleware...)
	}
	return nil
}

func (r route) check(known map[account.Perm]bool) error {
	if r.handler == nil {
		return fmt.Errorf("no handler")
	}
	if len(r.rule.perms) == 0 {
		return fmt.Errorf("no access rule: every route must say who may call it")
	}
	for _, p := range r.rule.perms {
		if !known[p] {
			return fmt.Errorf("unknown permission %q", p)
		}
		if (p == account.PermPublic || p == account.PermMachineJKN) && len(r.rule.perms) > 1 {
			return fmt.Errorf("permission %q cannot be one of several", p)
		}
	}
	switch {
	case r.rule.scope == fromPath && !strings.Contains(r.path, "/:facility"):
		return fmt.Errorf("facility scope without a :facility parameter")
	case r.rule.scope == fromTicket && !strings.Contains(r.path, "/:id"):
		return fmt.Errorf("ticket scope without an :id parameter")
	}
	forPrograms := inOpenAPI(r.path) && r.method != echo.RouteNotFound
	if forPrograms && r.doc == nil {
		return fmt.Errorf("no OpenAPI operation")
	}
	if !forPrograms && r.doc != nil {
		return fmt.Errorf("an OpenAPI operation on a route for browsers")
	}
	return nil
}

// jknNotFound answers an unknown /jkn/ address inside the BPJS envelope.
func (s *Server) jknNotFound(echo.Context) error {
	return &jkn.Error{Code: jkn.CodeFailed, Message: "Alamat tidak ditemukan."}
}
