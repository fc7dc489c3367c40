package main

import (
	"strings"
	"testing"
)

// Invariant 6: bad input on every endpoint gives the contract's 4xx JSON
// error, writes nothing, and is never a 500.
func TestBadInput(t *testing.T) {
	e := newEnv(t, backend{name: "embedded"})
	app := e.start()
	e.seed(app)
	pub := newClient(t, app.URL())
	staff := staffClients(t, app)[0]
	_, booked := pub.book("UMUM", nil)
	if booked.ID == "" {
		t.Fatal("could not book the ticket the tests act on")
	}
	huge := `{"unit":"UMUM","name":"` + strings.Repeat("x", 200_000) + `"}`
	tests := []struct {
		name        string
		c           *client
		method      string
		path        string
		body        any
		hdr         map[string]string
		status      int
		code, field string
	}{
		{"bad json", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":`, nil, 400, "invalid", ""},
		{"not an object", pub, "POST", "/api/v1/facilities/sobo/tickets", `[1,2]`, nil, 400, "invalid", ""},
		{"trailing data", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM"} {"unit":"UMUM"}`, nil, 400, "invalid", ""},
		{"wrong type", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":42}`, nil, 400, "invalid", "unit"},
		{"wrong type notify", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","notify":"ya"}`, nil, 400, "invalid", "notify"},
		{"missing unit", pub, "POST", "/api/v1/facilities/sobo/tickets", `{}`, nil, 400, "invalid", "unit"},
		{"unknown unit", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"BEDAH"}`, nil, 400, "invalid", "unit"},
		{"unknown facility", pub, "POST", "/api/v1/facilities/nowhere/tickets", `{"unit":"UMUM"}`, nil, 404, "not_found", ""},
		{"past date", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","service_date":"2020-01-01"}`, nil, 400, "invalid", "service_date"},
		{"far date", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","service_date":"2099-01-01"}`, nil, 400, "invalid", "service_date"},
		{"bad date", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","service_date":"27-11-2026"}`, nil, 400, "invalid", "service_date"},
		{"nik of 15 digits", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","nik":"351001010190000"}`, nil, 400, "invalid", "nik"},
		{"nik bad date", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","nik":"3510019913900001"}`, nil, 400, "invalid", "nik"},
		{"nik bad region", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","nik":"9910014101900001"}`, nil, 400, "invalid", "nik"},
		{"bpjs of 12 digits", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","bpjs":"000123456789"}`, nil, 400, "invalid", "bpjs"},
		{"foreign phone", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","phone":"+15551234567"}`, nil, 400, "invalid", "phone"},
		{"notify without phone", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","notify":true}`, nil, 400, "invalid", "phone"},
		{"unknown priority", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","priority":"vip"}`, nil, 400, "invalid", "priority"},
		{"desk channel from the public", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","channel":"desk"}`, nil, 400, "invalid", "channel"},
		{"name with markup", pub, "POST", "/api/v1/facilities/sobo/tickets", `{"unit":"UMUM","name":"<script>"}`, nil, 400, "invalid", "name"},
		{"huge body", pub, "POST", "/api/v1/facilities/sobo/tickets", huge, nil, 413, "too_large", ""},
		{"wrong content type", pub, "POST", "/api/v1/facilities/sobo/tickets", `unit=UMUM`, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 400, "invalid", ""},
		{"ticket without token", pub, "GET", "/api/v1/tickets/" + booked.ID, nil, nil, 404, "not_found", ""},
		{"ticket with a wrong token", pub, "GET", "/api/v1/tickets/" + booked.ID, nil, map[string]string{"X-Ticket-Token": "salah"}, 404, "not_found", ""},
		{"cancel with a wrong token", pub, "DELETE", "/api/v1/tickets/" + booked.ID, nil, map[string]string{"X-Ticket-Token": "salah"}, 404, "not_found", ""},
		{"unknown ticket", pub, "GET", "/api/v1/tickets/tidakada", nil, map[string]string{"X-Ticket-Token": "x"}, 404, "not_found", ""},
		{"unknown route", pub, "GET", "/api/v1/nothing", nil, nil, 404, "not_found", ""},
		{"login bad json", pub, "POST", "/api/v1/auth/login", `{"username":1}`, nil, 400, "invalid", "username"},
		{"login wrong password", pub, "POST", "/api/v1/auth/login", `{"username":"petugas","password":"salah-sekali"}`, nil, 401, "unauthenticated", ""},
		{"login unknown user", pub, "POST", "/api/v1/auth/login", `{"username":"siapa","password":"salah-sekali"}`, nil, 401, "unauthenticated", ""},
		{"call anonymously", pub, "POST", "/api/v1/facilities/sobo/units/UMUM/call", `{}`, nil, 401, "unauthenticated", ""},
		{"queue anonymously", pub, "GET", "/api/v1/facilities/sobo/units/UMUM/queue", nil, nil, 401, "unauthenticated", ""},
		{"start anonymously", pub, "POST", "/api/v1/tickets/" + booked.ID + "/start", `{}`, nil, 401, "unauthenticated", ""},
		{"call unknown unit", staff, "POST", "/api/v1/facilities/sobo/units/BEDAH/call", `{}`, nil, 404, "not_found", ""},
		{"call counter wrong type", staff, "POST", "/api/v1/facilities/sobo/units/UMUM/call", `{"counter":1}`, nil, 400, "invalid", "counter"},
		{"call counter too long", staff, "POST", "/api/v1/facilities/sobo/units/UMUM/call", `{"counter":"` + strings.Repeat("R", 41) + `"}`, nil, 400, "invalid", "counter"},
		{"start a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/start", `{}`, nil, 409, "conflict", ""},
		{"finish a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/finish", `{}`, nil, 409, "conflict", ""},
		{"skip a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/skip", `{}`, nil, 409, "conflict", ""},
		{"requeue a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/requeue", `{}`, nil, 409, "conflict", ""},
		{"recall a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/recall", `{}`, nil, 409, "conflict", ""},
		{"transfer a waiting ticket", staff, "POST", "/api/v1/tickets/" + booked.ID + "/transfer", `{"unit":"LAB"}`, nil, 409, "conflict", ""},
		{"transfer without unit", staff, "POST", "/api/v1/tickets/" + booked.ID + "/transfer", `{}`, nil, 400, "invalid", "unit"},
		{"transfer to unknown unit", staff, "POST", "/api/v1/tickets/" + booked.ID + "/transfer", `{"unit":"BEDAH"}`, nil, 400, "invalid", "unit"},
		{"act on unknown ticket", staff, "POST", "/api/v1/tickets/tidakada/start", `{}`, nil, 404, "not_found", ""},
	}
	before := dbCount(t, app, `SELECT count(*) FROM tickets`)
	beforeEvents := dbCount(t, app, `SELECT count(*) FROM ticket_events`)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ae apiErr
			st := tc.c.do(tc.method, tc.path, tc.body, tc.hdr, &ae)
			if st != tc.status || ae.Error.Code != tc.code || ae.Error.Field != tc.field {
				t.Errorf("got %d %q field %q, want %d %q field %q", st, ae.Error.Code, ae.Error.Field, tc.status, tc.code, tc.field)
			}
			if ae.Error.Message == "" {
				t.Errorf("error without a message for people")
			}
		})
	}
	if after := dbCount(t, app, `SELECT count(*) FROM tickets`); after != before {
		t.Errorf("bad input wrote tickets: %d before, %d after", before, after)
	}
	if after := dbCount(t, app, `SELECT count(*) FROM ticket_events`); after != beforeEvents {
		t.Errorf("bad input wrote events: %d before, %d after", beforeEvents, after)
	}
	if strings.Contains(e.logs.String(), "status=500") {
		t.Errorf("a request ended in 500:\n%s", e.logs.String())
	}
}
