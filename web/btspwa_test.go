package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// The service worker keeps every file the cadre's page loads: each module
// bts-kader.js and the worker import, transitively, is in kaderShell, and
// each file kaderShell names exists.
func TestKaderShellHasEveryImport(t *testing.T) {
	need := append(moduleClosure(t, "bts-kader.js"), moduleClosure(t, "bts-sw.js")...)
	for _, f := range need {
		if !slices.Contains(kaderShell, f) {
			t.Errorf("%s is imported by the cadre's page but not kept by its service worker (kaderShell)", f)
		}
	}
	files := loadAssets().files
	for _, f := range kaderShell {
		if _, ok := files[f]; !ok {
			t.Errorf("kaderShell names %s, which is no static file", f)
		}
	}
}

// The cadre's page is an installable app: its manifest (Indonesian name,
// standalone, start_url and scope /kader, PNG icons of 192 and 512 pixels
// that really are of that size) and its service worker, which names this
// build's hashed asset URLs.
func TestKaderAppFiles(t *testing.T) {
	s := pageServer(t)
	page := get(t, s, "/kader", nil)
	if !strings.Contains(page.Body.String(), `<link rel="manifest" href="/kader/manifest.webmanifest">`) {
		t.Error("/kader does not link its manifest")
	}
	if page.Header().Get(offlineShellHeader) != "" {
		t.Errorf("the login form is marked as the offline page (%s)", offlineShellHeader)
	}

	rec := get(t, s, "/kader/manifest.webmanifest", nil)
	if ct := rec.Header().Get("Content-Type"); rec.Code != 200 || ct != "application/manifest+json" {
		t.Fatalf("manifest: %d %q", rec.Code, ct)
	}
	var m struct {
		Name, ShortName, StartURL, Scope, Display, Lang string
		Icons                                           []struct{ Src, Sizes, Type string }
	}
	raw := strings.NewReplacer(`"short_name"`, `"shortname"`, `"start_url"`, `"starturl"`).Replace(rec.Body.String())
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "Lapor Kader BTS Banyuwangi" || m.ShortName != "Kader BTS" || m.Lang != "id" || m.StartURL != "/kader" ||
		m.Scope != "/kader" || m.Display != "standalone" || len(m.Icons) != 2 {
		t.Errorf("manifest %+v, want the Indonesian app at /kader, standalone, with two icons", m)
	}
	for _, ic := range m.Icons {
		r := get(t, s, ic.Src, nil)
		if r.Code != 200 || r.Header().Get("Content-Type") != "image/png" || ic.Type != "image/png" {
			t.Errorf("icon %s: %d %q", ic.Src, r.Code, r.Header().Get("Content-Type"))
			continue
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(r.Body.Bytes()))
		if err != nil || fmt.Sprintf("%dx%d", cfg.Width, cfg.Height) != ic.Sizes {
			t.Errorf("icon %s is %dx%d (%v), the manifest says %s", ic.Src, cfg.Width, cfg.Height, err, ic.Sizes)
		}
	}
	if r := get(t, s, "/kader/icons/7.png", nil); r.Code != 404 {
		t.Errorf("an icon of no offered size: %d, want 404", r.Code)
	}

	sw := get(t, s, "/kader-sw.js", nil)
	if ct := sw.Header().Get("Content-Type"); sw.Code != 200 || !strings.HasPrefix(ct, "text/javascript") || sw.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("service worker: %d %q %q", sw.Code, ct, sw.Header().Get("Cache-Control"))
	}
	for _, f := range kaderShell {
		if !strings.Contains(sw.Body.String(), `"`+assetURL(f)+`"`) {
			t.Errorf("the service worker does not keep %s", assetURL(f))
		}
	}
	if !strings.Contains(sw.Body.String(), `"/kader/manifest.webmanifest"`) {
		t.Error("the service worker does not keep the manifest")
	}
}
