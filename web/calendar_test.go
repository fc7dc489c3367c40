package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/queue"
)

// TestClosedDays: an admin closes days one by one and by a CSV import; a
// booking for a closed day is refused with the reason and the next open
// day, and opens again when the day is removed. Another facility's admin
// may not touch them.
func TestClosedDays(t *testing.T) {
	e := newEnv(t, Config{})
	e.user("lain", "admin-lain", account.Admin)
	e.user("sobo", "admin-sobo", account.Admin)
	admin, other, anon := e.caller("10.0.0.1"), e.caller("10.0.0.2"), e.caller("10.0.0.3")
	if admin.login("admin-lain", "rahasia123") != http.StatusOK || other.login("admin-sobo", "rahasia123") != http.StatusOK {
		t.Fatal("login")
	}
	wib, _ := time.LoadLocation("Asia/Jakarta")
	today, _ := time.ParseInLocation(time.DateOnly, time.Now().In(wib).Format(time.DateOnly), wib)
	day := func(n int) string { return today.AddDate(0, 0, n).Format(time.DateOnly) }
	base := "/api/v1/facilities/lain/closed-days"

	if rec := admin.do("PUT", base+"/"+day(1), map[string]string{"reason": "Hari Raya"}); rec.Code != http.StatusOK {
		t.Fatalf("put: %d %s", rec.Code, rec.Body)
	}
	if rec := other.do("PUT", base+"/"+day(3), map[string]string{"reason": "x"}); rec.Code != http.StatusForbidden {
		t.Fatalf("another facility's admin: %d %s", rec.Code, rec.Body)
	}
	if rec := admin.do("PUT", base+"/"+"2026-02-30", map[string]string{}); rec.Code != http.StatusBadRequest || errorCode(rec) != "invalid" {
		t.Fatalf("bad date: %d %s", rec.Code, rec.Body)
	}
	// An import as a form file, semicolons as an Indonesian spreadsheet
	// writes them; a bad line refuses the whole file.
	upload := func(csv string) *httptest.ResponseRecorder {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, _ := w.CreateFormFile("file", "libur.csv")
		fw.Write([]byte(csv))
		w.Close()
		req := httptest.NewRequest("POST", base+"/import", &buf)
		req.Header.Set("Content-Type", w.FormDataContentType())
		req.Header.Set("X-CSRF-Token", admin.csrf)
		for _, ck := range admin.cookies {
			req.AddCookie(ck)
		}
		req.RemoteAddr = "10.0.0.1:40000"
		rec := httptest.NewRecorder()
		e.s.ServeHTTP(rec, req)
		return rec
	}
	if rec := upload("tanggal;keterangan\n" + day(2) + ";Cuti bersama\nbesok;salah\n"); rec.Code != http.StatusBadRequest {
		t.Fatalf("bad import: %d %s", rec.Code, rec.Body)
	}
	if rec := upload("tanggal;keterangan\n" + day(2) + ";Cuti bersama\n"); rec.Code != http.StatusOK || rec.Body.String() != "{\"imported\":1}\n" {
		t.Fatalf("import: %d %s", rec.Code, rec.Body)
	}
	var listed []queue.ClosedDay
	decodeBody(t, admin.do("GET", base, nil), &listed)
	if len(listed) != 2 || listed[0] != (queue.ClosedDay{Date: day(1), Reason: "Hari Raya"}) || listed[1] != (queue.ClosedDay{Date: day(2), Reason: "Cuti bersama"}) {
		t.Fatalf("listed %v", listed)
	}

	book := func(date string) *httptest.ResponseRecorder {
		return anon.do("POST", "/api/v1/facilities/lain/tickets", map[string]string{"unit": "UMUM", "name": "Siti", "service_date": date})
	}
	rec := book(day(1))
	var refused struct {
		Error    apiError `json:"error"`
		NextOpen string   `json:"next_open"`
	}
	decodeBody(t, rec, &refused)
	if rec.Code != http.StatusConflict || refused.Error.Code != "closed" || refused.NextOpen != day(3) {
		t.Fatalf("booking a closed day: %d %s, want 409 closed with next_open %s", rec.Code, rec.Body, day(3))
	}
	if want := "Hari buka berikutnya: " + queue.IndonesianDate(today.AddDate(0, 0, 3)); !bytes.Contains([]byte(refused.Error.Message), []byte(want)) {
		t.Errorf("message %q does not say %q", refused.Error.Message, want)
	}
	if rec := book(day(3)); rec.Code != http.StatusCreated {
		t.Fatalf("booking an open day: %d %s", rec.Code, rec.Body)
	}
	if rec := admin.do("DELETE", base+"/"+day(1), nil); rec.Code != http.StatusNoContent {
		t.Fatalf("delete: %d %s", rec.Code, rec.Body)
	}
	if rec := admin.do("DELETE", base+"/"+day(1), nil); rec.Code != http.StatusNotFound {
		t.Fatalf("delete again: %d %s", rec.Code, rec.Body)
	}
	if rec := book(day(1)); rec.Code != http.StatusCreated {
		t.Fatalf("booking a reopened day: %d %s", rec.Code, rec.Body)
	}
}

// TestArrivalWindow: a ticket booked for a later day carries the half hour
// it is expected to be served in, from the unit's opening and service time.
func TestArrivalWindow(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := t.Context()
	f, units, err := e.db.Facility(ctx, "lain")
	if err != nil {
		t.Fatal(err)
	}
	u := units[0]
	u.Opens, u.Closes, u.DefaultServiceS = 7*60+30, 12*60, 600
	if err := e.db.SaveUnit(ctx, f.ID, u); err != nil {
		t.Fatal(err)
	}
	anon := e.caller("10.0.0.9")
	wib, _ := time.LoadLocation("Asia/Jakarta")
	tomorrow := time.Now().In(wib).AddDate(0, 0, 1).Format(time.DateOnly)
	at := func(hm string) time.Time {
		v, _ := time.ParseInLocation(time.DateOnly+" 15:04", tomorrow+" "+hm, wib)
		return v
	}
	want := map[int][2]string{1: {"07:30", "08:00"}, 3: {"07:30", "08:00"}, 4: {"08:00", "08:30"}, 7: {"08:30", "09:00"}}
	for n := 1; n <= 7; n++ {
		rec := anon.do("POST", "/api/v1/facilities/lain/tickets", map[string]string{"unit": "UMUM", "service_date": tomorrow})
		var tk ticketJSON
		decodeBody(t, rec, &tk)
		if rec.Code != http.StatusCreated || tk.Number != n {
			t.Fatalf("booking %d: %d %s", n, rec.Code, rec.Body)
		}
		w, ok := want[n]
		if !ok {
			continue
		}
		if tk.WindowStart == nil || tk.WindowEnd == nil || !tk.WindowStart.Equal(at(w[0])) || !tk.WindowEnd.Equal(at(w[1])) {
			t.Errorf("ticket %d: window %v-%v, want %s-%s", n, tk.WindowStart, tk.WindowEnd, w[0], w[1])
		}
	}
	// Today's tickets have a wait, not a window.
	rec := anon.do("POST", "/api/v1/facilities/sobo/tickets", map[string]string{"unit": "UMUM"})
	var today ticketJSON
	decodeBody(t, rec, &today)
	if rec.Code == http.StatusCreated && today.WindowStart != nil {
		t.Errorf("today's ticket has a window: %s", rec.Body)
	}
}
