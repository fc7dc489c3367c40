package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// pageServer is a server with no dependencies: enough for the pages, which
// fetch their data from the API in the browser.
func pageServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Config{}, Deps{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func get(t *testing.T, s *Server, url string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

var pagePaths = map[string]string{
	"book": "/", "track": "/t/abc123", "console": "/console", "display": "/display", "kiosk": "/kiosk", "admin": "/admin",
	"bts-kader": "/kader", "bts-laporan": "/bts/laporan", "bts-verifikasi": "/bts/verifikasi", "bts-sasaran": "/bts/sasaran",
}

var (
	inlineHandler = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
	styleAttr     = regexp.MustCompile(`(?i)\sstyle\s*=`)
	scriptTag     = regexp.MustCompile(`(?is)<script([^>]*)>(.*?)</script>`)
	srcAttr       = regexp.MustCompile(`(?:src|href)="([^"]+\.(?:js|css))"`)
	importRe      = regexp.MustCompile(`(?m)^\s*import\s[^'"]*['"](\./[^'"]+)['"]`)
)

// TestPagesRender checks that every page renders in both languages and
// keeps to the CSP: no inline script, handlers or style attributes.
func TestPagesRender(t *testing.T) {
	s := pageServer(t)
	for name, p := range pagePaths {
		for _, lang := range []string{"id", "en"} {
			rec := get(t, s, p+"?lang="+lang, nil)
			if rec.Code != 200 {
				t.Fatalf("%s (%s): status %d: %s", name, lang, rec.Code, rec.Body.String())
			}
			body := rec.Body.String()
			if !strings.Contains(body, `<html lang="`+lang+`">`) {
				t.Errorf("%s: want lang %s", name, lang)
			}
			if inlineHandler.MatchString(body) || styleAttr.MatchString(body) {
				t.Errorf("%s: inline handler or style attribute (blocked by the CSP)", name)
			}
			for _, m := range scriptTag.FindAllStringSubmatch(body, -1) {
				if strings.TrimSpace(m[2]) != "" && !strings.Contains(m[1], `type="application/json"`) {
					t.Errorf("%s: inline script %q", name, m[0])
				}
			}
			if strings.Contains(body, `{{`) || regexp.MustCompile(`>[a-z]+\.[a-z.]+<`).MatchString(body) {
				t.Errorf("%s (%s): an untranslated message key shows", name, lang)
			}
			if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
				t.Errorf("%s: CSP %q", name, csp)
			}
		}
	}
}

// TestMessagesComplete checks that every key the templates and scripts use
// exists in both languages, and that each page script gets its keys.
func TestMessagesComplete(t *testing.T) {
	for k, v := range messages {
		if v[0] == "" || v[1] == "" {
			t.Errorf("message %q lacks a language", k)
		}
	}
	tmplKey := regexp.MustCompile(`\{\{t[fh]? "([^"]+)"`)
	jsKey := regexp.MustCompile(`\bt\('([a-z][a-z0-9_.]*[a-z0-9_])'`) // not prefixes such as 'status.'
	check := func(file, key string) {
		if _, ok := messages[key]; !ok {
			t.Errorf("%s uses unknown message %q", file, key)
		}
	}
	fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if d.IsDir() {
			return nil
		}
		b, _ := templateFS.ReadFile(p)
		for _, m := range tmplKey.FindAllStringSubmatch(string(b), -1) {
			check(p, m[1])
		}
		return nil
	})
	// Scripts get only the prefixes of their page: follow each page's imports.
	for page := range pagePaths {
		for _, file := range moduleClosure(t, page+".js") {
			b, _ := staticFS.ReadFile("static/" + file)
			for _, m := range jsKey.FindAllStringSubmatch(string(b), -1) {
				check(file, m[1])
				if file == "common.js" && !strings.HasPrefix(m[1], "err.") && !strings.HasPrefix(m[1], "wait.") {
					t.Errorf("common.js uses %q: only err. and wait. reach every page", m[1])
				}
				if _, ok := jsStrings(page, "id")[m[1]]; !ok && file != "common.js" {
					t.Errorf("page %s: %s uses %q, which pageStrings does not send it", page, file, m[1])
				}
			}
		}
	}
}

// moduleClosure lists a script and every module it imports, transitively.
func moduleClosure(t *testing.T, entry string) []string {
	t.Helper()
	seen := map[string]bool{}
	var walk func(string)
	walk = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		b, err := staticFS.ReadFile("static/" + name)
		if err != nil {
			t.Fatalf("module %s: %v", name, err)
		}
		for _, m := range importRe.FindAllStringSubmatch(string(b), -1) {
			walk(path.Join(path.Dir(name), m[1]))
		}
	}
	walk(entry)
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestPageWeight holds the pages for phones (the patients', the cadre's) to
// their budget: the HTML and every script and style sheet it loads, gzip'd
// as served, under 50 KB each.
func TestPageWeight(t *testing.T) {
	const budget = 50 * 1024
	s := pageServer(t)
	gz := map[string]string{"Accept-Encoding": "gzip"}
	for _, name := range []string{"book", "track", "display", "kiosk", "console", "bts-kader"} {
		rec := get(t, s, pagePaths[name], gz)
		if rec.Header().Get("Content-Encoding") != "gzip" {
			t.Fatalf("%s: page not gzip'd", name)
		}
		total := rec.Body.Len()
		html := gunzip(t, rec.Body.Bytes())
		files := map[string]bool{}
		for _, m := range srcAttr.FindAllStringSubmatch(html, -1) {
			files[m[1]] = true
		}
		// Modules import relative to their versioned URL.
		var queue []string
		for f := range files {
			queue = append(queue, f)
		}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			r := get(t, s, u, gz)
			if r.Code != 200 {
				t.Fatalf("%s: %s: status %d", name, u, r.Code)
			}
			total += r.Body.Len()
			body := r.Body.Bytes()
			if r.Header().Get("Content-Encoding") == "gzip" {
				body = []byte(gunzip(t, body))
			}
			for _, m := range importRe.FindAllStringSubmatch(string(body), -1) {
				dep := path.Join(path.Dir(u), m[1])
				if !files[dep] {
					files[dep] = true
					queue = append(queue, dep)
				}
			}
		}
		t.Logf("%-10s %5d bytes gzip'd in %d requests", name, total, len(files)+1)
		if (name == "book" || name == "track" || name == "bts-kader") && total > budget {
			t.Errorf("%s weighs %d bytes gzip'd, over the %d budget", name, total, budget)
		}
	}
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestStaticCaching(t *testing.T) {
	s := pageServer(t)
	v := loadAssets().version
	rec := get(t, s, "/static/"+v+"/common.js", map[string]string{"Accept-Encoding": "gzip, deflate"})
	if rec.Code != 200 || !strings.Contains(rec.Header().Get("Cache-Control"), "immutable") {
		t.Errorf("current version: status %d, Cache-Control %q", rec.Code, rec.Header().Get("Cache-Control"))
	}
	if rec.Header().Get("Content-Encoding") != "gzip" || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/javascript") {
		t.Errorf("headers %v", rec.Header())
	}
	rec = get(t, s, "/static/old/common.js", nil)
	if rec.Code != 200 || strings.Contains(rec.Header().Get("Cache-Control"), "immutable") || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("old version: status %d, headers %v", rec.Code, rec.Header())
	}
	rec = get(t, s, "/static/"+v+"/voice/chime.wav", map[string]string{"Accept-Encoding": "gzip"})
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "audio/wav" || rec.Header().Get("Content-Encoding") != "" {
		t.Errorf("clip: status %d, headers %v", rec.Code, rec.Header())
	}
	for _, p := range []string{"/static/" + v + "/nope.js", "/static/" + v + "/../pages.go"} {
		if rec := get(t, s, p, nil); rec.Code != 404 {
			t.Errorf("%s: status %d, want 404", p, rec.Code)
		}
	}
}

// TestVoiceClips checks that every clip the announcer may ask for ships.
func TestVoiceClips(t *testing.T) {
	need := []string{"chime", "nomor-antrean", "silakan-menuju", "ruang", "loket", "poli", "nol", "satu", "dua", "tiga",
		"empat", "lima", "enam", "tujuh", "delapan", "sembilan", "sepuluh", "sebelas", "belas", "puluh", "seratus",
		"ratus", "seribu", "ribu"}
	for c := 'a'; c <= 'z'; c++ {
		need = append(need, "huruf-"+string(c))
	}
	for _, n := range need {
		b, err := staticFS.ReadFile("static/voice/" + n + ".wav")
		if err != nil || len(b) < 1000 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
			t.Errorf("clip %s: %d bytes, %v", n, len(b), err)
		}
	}
}

func TestQREndpoint(t *testing.T) {
	s := pageServer(t)
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "http://antrian.example/qr.svg", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec
	}
	rec := post(`{"text":"http://antrian.example/t/abc#secret"}`)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "image/svg+xml" || !strings.Contains(rec.Body.String(), "<svg") {
		t.Errorf("own link: status %d, %q", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", rec.Header().Get("Cache-Control"))
	}
	if rec := post(`{"text":"https://evil.example/phish"}`); rec.Code != 400 {
		t.Errorf("foreign link: status %d, want 400", rec.Code)
	}
}

func TestRupiah(t *testing.T) {
	for v, want := range map[int]string{0: "0", 999: "999", 1000: "1.000", 15000: "15.000", 123456: "123.456",
		1234567: "1.234.567", -15000: "-15.000"} {
		if got := rupiah(v); got != want {
			t.Errorf("rupiah(%d) = %q, want %q", v, got, want)
		}
	}
}
