package web

import (
	"encoding/json"
	"html"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/bts"
)

// The BTS templates and scripts build some message keys from codes (an
// item kind, a status, a target type...): every code the server can send
// has its message, and a risk's Indonesian text is the very text bts
// writes, so that a reason reads the same whichever way it reaches a page.
func TestBTSMessages(t *testing.T) {
	need := append([]string{}, exitReasons...)
	add := func(prefix string, codes ...string) {
		for _, c := range codes {
			need = append(need, prefix+c)
		}
	}
	for _, k := range bts.ItemKinds {
		add("bts.item.", string(k))
	}
	add("bts.eat.", string(bts.Habis), string(bts.Sisa), string(bts.TidakDimakan))
	add("bts.status.", string(bts.Pending), string(bts.Verified), string(bts.Rejected))
	add("bts.target.", string(bts.Baduta), string(bts.Balita), string(bts.BumilRisti))
	add("bts.level.", string(bts.LevelDesa), string(bts.LevelFacility), string(bts.LevelKecamatan), string(bts.LevelDistrict))
	add("bts.s.state.", "active", "exited", "ended", "future")
	add("bts.v.warn.", "noexif", "unreadable", "far")
	for _, name := range pageNames {
		if strings.HasPrefix(name, "bts-") {
			add("title.", name)
			add("forbidden.", name)
		}
	}
	for _, r := range bts.Risks {
		if r.Recorded {
			add("con.p.risk.", string(r.Code))
		}
		if m, ok := messages["con.p.why."+string(r.Code)]; !ok || m[0] != r.Text {
			t.Errorf("con.p.why.%s = %q, want the text bts writes, %q", r.Code, m[0], r.Text)
		}
	}
	for _, k := range need {
		if _, ok := messages[k]; !ok {
			t.Errorf("no message %q", k)
		}
	}
}

// The console's BTS module reads the rules of BTS from the page's data,
// as the bts package has them.
func TestConsoleRules(t *testing.T) {
	s := pageServer(t)
	body := get(t, s, "/console", nil).Body.String()
	m := regexp.MustCompile(`(?s)<script type="application/json" id="data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the console page has no #data")
	}
	var got struct {
		ChildUnits       []string `json:"child_units"`
		PregnancyUnits   []string `json:"pregnancy_units"`
		EnrolDays        int      `json:"enrol_days"`
		AllowanceRp      int      `json:"allowance_rp"`
		StandingFromDays int      `json:"standing_from_days"`
		TermDays         int      `json:"term_days"`
		MaxGestationDays int      `json:"max_gestation_days"`
		Risks            []struct {
			Code     bts.RiskCode `json:"code"`
			Text     string       `json:"text"`
			Recorded bool         `json:"recorded"`
		} `json:"risks"`
	}
	if err := json.Unmarshal([]byte(m[1]), &got); err != nil {
		t.Fatalf("#data: %v in %s", err, m[1])
	}
	if !reflect.DeepEqual(got.ChildUnits, bts.ChildUnits) || !reflect.DeepEqual(got.PregnancyUnits, bts.PregnancyUnits) {
		t.Errorf("units: children %v, pregnancies %v; want %v, %v", got.ChildUnits, got.PregnancyUnits, bts.ChildUnits, bts.PregnancyUnits)
	}
	if got.EnrolDays != bts.DefaultDays || got.AllowanceRp != bts.DefaultAllowanceRp || got.StandingFromDays != bts.StandingFromDays ||
		got.TermDays != bts.TermDays || got.MaxGestationDays != bts.MaxGestationDays {
		t.Errorf("day counts and allowance: %+v", got)
	}
	if len(got.Risks) != len(bts.Risks) {
		t.Fatalf("%d risks, want %d", len(got.Risks), len(bts.Risks))
	}
	for i, r := range bts.Risks {
		if g := got.Risks[i]; g.Code != r.Code || g.Text != r.Text || g.Recorded != r.Recorded {
			t.Errorf("risk %d: %+v, want %+v", i, g, r)
		}
		// The recorded ones are the form's check boxes, stored as bts writes them.
		box := `id="p-risk-` + string(r.Code) + `" value="` + html.EscapeString(r.Text) + `"`
		if strings.Contains(body, box) != r.Recorded {
			t.Errorf("check box %s on the page: %v, want %v", box, !r.Recorded, r.Recorded)
		}
	}
}

// A BTS page in English says everything in English, and its language
// switch keeps the page's query.
func TestBTSPageInEnglish(t *testing.T) {
	s := pageServer(t)
	for path, want := range map[string][]string{
		"/kader?lang=en":                       {"<h1>BTS cadre report</h1>", `<h2>Log in</h2>`, `href="?lang=id"`},
		"/bts/laporan?lang=en":                 {"<h1>BTS reports — Banyuwangi Tanggap Stunting</h1>", `<label for="username">Username</label>`},
		"/bts/sasaran?facility=sobo&lang=en":   {"<h1>BTS targets</h1>", `href="?facility=sobo&amp;lang=id"`, `hreflang="id">Bahasa Indonesia</a>`},
		"/bts/verifikasi?status=all&lang=id":   {"<h1>Verifikasi Laporan BTS</h1>", `href="?lang=en&amp;status=all"`, ">Masuk</button>"},
		"/bts/verifikasi?facility=sobo&lang=x": {"<h1>Verifikasi Laporan BTS</h1>", `<html lang="id">`},
	} {
		rec := get(t, s, path, nil)
		body := rec.Body.String()
		for _, w := range want {
			if rec.Code != 200 || !strings.Contains(body, w) {
				t.Errorf("GET %s: %d, want a page with %s", path, rec.Code, w)
			}
		}
		if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", path, cc)
		}
	}
}

// The page names the message of each photo warning, with the capture day
// and the distance from the delivery where they apply.
func TestToPhotoWarning(t *testing.T) {
	taken := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   *bts.PhotoWarning
		want *photoWarning
	}{
		{nil, nil},
		{&bts.PhotoWarning{Kind: bts.PhotoNoEXIF}, &photoWarning{Key: "bts.v.warn.noexif"}},
		{&bts.PhotoWarning{Kind: bts.PhotoUnreadable}, &photoWarning{Key: "bts.v.warn.unreadable"}},
		{&bts.PhotoWarning{Kind: bts.PhotoFar, Taken: taken, Days: 4}, &photoWarning{Key: "bts.v.warn.far", Taken: "2026-03-10", Days: 4}},
	} {
		if got := toPhotoWarning(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("toPhotoWarning(%+v) = %+v, want %+v", tc.in, got, tc.want)
		}
		if tc.want != nil && messages[tc.want.Key] == [2]string{} {
			t.Errorf("%s is not in the catalogue", tc.want.Key)
		}
	}
}
