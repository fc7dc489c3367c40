package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/antrian/antrian/fault"
	"github.com/labstack/echo/v4"
)

// The pages are server-rendered shells (html/template) that small JavaScript
// modules bring to life through the public API and WebSockets. Everything is
// embedded: the binary alone serves the whole product, with no build step.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// asset is one static file, kept ready in plain and gzip form.
type asset struct {
	body  []byte
	gz    []byte // nil when compressing does not pay (audio, images)
	ctype string
}

// siteAssets holds the static files under one content version: the hash of
// all of them. Every URL carries the version in its path
// (/static/<version>/app.js), so relative module imports stay within one
// version and every file can be cached forever.
type siteAssets struct {
	version string
	files   map[string]asset
}

var (
	assetsOnce sync.Once
	assets     siteAssets
	pagesOnce  sync.Once
	pageTmpls  map[string]*template.Template
)

func loadAssets() siteAssets {
	assetsOnce.Do(func() {
		a := siteAssets{files: map[string]asset{}}
		h := sha256.New()
		var names []string
		fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				names = append(names, p)
			}
			return nil
		})
		sort.Strings(names)
		for _, p := range names {
			body, _ := staticFS.ReadFile(p)
			name := strings.TrimPrefix(p, "static/")
			fmt.Fprintf(h, "%s %d\n", name, len(body))
			h.Write(body)
			ct := mime.TypeByExtension(path.Ext(name))
			switch path.Ext(name) {
			case ".js":
				ct = "text/javascript; charset=utf-8"
			case ".wav":
				ct = "audio/wav"
			case ".json":
				ct = "application/json"
			}
			f := asset{body: body, ctype: ct}
			if compressible(ct) {
				f.gz = gzipBytes(body)
			}
			a.files[name] = f
		}
		a.version = hex.EncodeToString(h.Sum(nil))[:12]
		assets = a
	})
	return assets
}

func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// assetURL is the versioned URL of a static file.
func assetURL(name string) string {
	return "/static/" + loadAssets().version + "/" + name
}

// pageNames are the pages; each is templates/<name>.html inside base.html.
// The BTS pages (bts-*) also get their shared parts, templates/bts-parts.html.
var pageNames = []string{"book", "track", "console", "display", "kiosk", "hadir", "admin",
	"bts-kader", "bts-laporan", "bts-verifikasi", "bts-sasaran"}

func loadPages() map[string]*template.Template {
	pagesOnce.Do(func() {
		// t, tf and th are replaced per request by the page's language.
		funcs := langFuncs("id")
		funcs["asset"] = assetURL
		funcs["rp"] = rupiah
		funcs["count"] = countSpan
		base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(templateFS, "templates/base.html"))
		pageTmpls = map[string]*template.Template{}
		for _, name := range pageNames {
			files := []string{"templates/" + name + ".html"}
			if strings.HasPrefix(name, "bts-") {
				files = append(files, "templates/bts-parts.html")
			}
			pageTmpls[name] = template.Must(template.Must(base.Clone()).ParseFS(templateFS, files...))
		}
	})
	return pageTmpls
}

// pageData is what every page template sees. A page with data of its own
// embeds it.
type pageData struct {
	Page    string
	Lang    string
	Other   string // the language to switch to
	Switch  string // this very page in Other: its URL with ?lang= set
	Title   string
	Scripts []string
	Styles  []string
	// Strings are the page's messages for its JavaScript, in Lang.
	Strings map[string]string
	// CSRF is the session's CSRF token on a page rendered for a signed-in
	// account, for the page's scripts (empty otherwise).
	CSRF string
	// Data is what the page's scripts read besides their messages (the
	// JSON in #data), nil for none.
	Data any
	// Manifest is the URL of the page's web app manifest ("" for none),
	// and ThemeColor its colour.
	Manifest, ThemeColor string
}

func (p *pageData) page() *pageData { return p }

// pageOf is what render takes: a *pageData, or a page's own data that
// embeds pageData.
type pageOf interface{ page() *pageData }

// pageJSON is the data of the pages that read some (pageData.Data).
var pageJSON = map[string]any{"console": consoleRules}

// langKey keeps the request's language, once lang has picked it.
const langKey = "antrian.lang"

// lang picks the page language: ?lang= (remembered in a cookie), then the
// cookie, then Bahasa Indonesia.
func (s *Server) lang(c echo.Context) string {
	if l, ok := c.Get(langKey).(string); ok {
		return l
	}
	l := "id"
	if q := c.QueryParam("lang"); q == "id" || q == "en" {
		c.SetCookie(&http.Cookie{Name: "lang", Value: q, Path: "/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, Secure: s.secure(c)})
		l = q
	} else if ck, err := c.Cookie("lang"); err == nil && (ck.Value == "en" || ck.Value == "id") {
		l = ck.Value
	}
	c.Set(langKey, l)
	return l
}

func (s *Server) page(name, title string, scripts, styles []string) echo.HandlerFunc {
	return func(c echo.Context) error {
		return s.render(c, name, &pageData{Title: title, Scripts: scripts, Styles: styles, Data: pageJSON[name]}, "no-cache")
	}
}

// render writes page name in the caller's language from d, whose Title is
// a message key. It fills in what every page shares (the language, the
// scripts' messages, the shared style sheet); cache is the Cache-Control.
func (s *Server) render(c echo.Context, name string, d pageOf, cache string) error {
	p := d.page()
	p.Page, p.Lang, p.Other = name, s.lang(c), "en"
	if p.Lang == "en" {
		p.Other = "id"
	}
	q := c.Request().URL.Query()
	q.Set("lang", p.Other)
	p.Switch = "?" + q.Encode()
	p.Title = tr(p.Lang, p.Title)
	p.Styles = append([]string{"app.css"}, p.Styles...)
	p.Strings = jsStrings(name, p.Lang)
	tmpl, err := loadPages()[name].Clone()
	if err != nil {
		return err
	}
	tmpl.Funcs(langFuncs(p.Lang))
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "base.html", d); err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set("Cache-Control", cache)
	h.Set("Content-Language", p.Lang)
	h.Add("Vary", "Accept-Encoding, Cookie")
	return writeMaybeGzip(c, "text/html; charset=utf-8", buf.Bytes(), nil)
}

// langFuncs are the template functions that write messages in lang: t
// (a message), tf (a message with its {name}s filled in, for any place) and
// th (the same as HTML, for values that are HTML themselves, such as count).
func langFuncs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string) string { return tr(lang, key) },
		"tf": func(key string, kv ...any) string {
			return fill(tr(lang, key), kv, func(v any) string { return fmt.Sprint(v) })
		},
		"th": func(key string, kv ...any) template.HTML {
			return template.HTML(fill(template.HTMLEscapeString(tr(lang, key)), kv, func(v any) string {
				if h, ok := v.(template.HTML); ok {
					return string(h)
				}
				return template.HTMLEscapeString(fmt.Sprint(v))
			}))
		},
	}
}

// fill puts the values of kv (name, value, name, value...) into msg's
// {name}s, each written by str.
func fill(msg string, kv []any, str func(any) string) string {
	for i := 0; i+1 < len(kv); i += 2 {
		msg = strings.ReplaceAll(msg, "{"+fmt.Sprint(kv[i])+"}", str(kv[i+1]))
	}
	return msg
}

// countSpan is a number in an element of its own (id), for a script to
// update in place inside a sentence written with th.
func countSpan(id string, n int) template.HTML {
	return template.HTML(`<span id="` + template.HTMLEscapeString(id) + `">` + strconv.Itoa(n) + `</span>`)
}

// writeMaybeGzip answers body, gzip'd when the client accepts it. gz may
// hold the body already compressed.
func writeMaybeGzip(c echo.Context, ctype string, body, gz []byte) error {
	h := c.Response().Header()
	if compressible(ctype) && acceptsGzip(c.Request()) {
		if gz == nil {
			gz = gzipBytes(body)
		}
		h.Set("Content-Encoding", "gzip")
		return c.Blob(http.StatusOK, ctype, gz)
	}
	return c.Blob(http.StatusOK, ctype, body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && !strings.Contains(strings.ReplaceAll(q, " ", ""), "q=0") {
			return true
		}
	}
	return false
}

// static serves an embedded file. The current version is cached for a year;
// another version (a page from before a deploy) is still served, briefly cached.
func (s *Server) static(c echo.Context) error {
	a := loadAssets()
	name := c.Param("*")
	f, ok := a.files[name]
	if !ok || strings.Contains(name, "..") {
		return errNotFound
	}
	h := c.Response().Header()
	if c.Param("version") == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "public, max-age=300")
	}
	h.Add("Vary", "Accept-Encoding")
	return writeMaybeGzip(c, f.ctype, f.body, f.gz)
}

type qrRequest struct {
	Text string `json:"text"`
}

// qrSVG draws a QR code of a link to this site. The link comes in the body
// (not the URL) because it carries a ticket's token, which must stay out of
// access logs; and only links to this very host are drawn.
func (s *Server) qrSVG(c echo.Context) error {
	var req qrRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	host := c.Request().Host
	if !strings.HasPrefix(req.Text, "http://"+host+"/") && !strings.HasPrefix(req.Text, "https://"+host+"/") {
		return fault.Invalid("text", "Kode QR hanya untuk tautan situs ini.")
	}
	mod, err := qrModules(req.Text)
	if err != nil {
		return fault.Invalid("text", "Tautan terlalu panjang untuk kode QR.")
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return writeMaybeGzip(c, "image/svg+xml", []byte(qrSVGOf(mod)), nil)
}
