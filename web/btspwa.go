package web

// The cadre's page (/kader) as an installable app that works offline: its
// web app manifest, its icons (drawn here, so no image file is kept in the
// repository) and its service worker. The worker's script is rendered
// here because it must name the hashed asset URLs of this very build; its
// behaviour lives in static/bts-sw.js.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"
)

// kaderShell are the static files the cadre's page needs: the service
// worker keeps them for offline use. TestKaderShellHasEveryImport checks
// that it lists every module bts-kader.js imports.
var kaderShell = []string{"app.css", "bts.css", "bts-kader.js", "common.js", "staff.js",
	"bts-outbox.js", "bts-photo.js", "bts-sw.js"}

// kaderIconSizes are the icon sizes the manifest offers (Android wants 192
// and 512).
var kaderIconSizes = []int{192, 512}

// offlineShellHeader marks the /kader answers the service worker may keep
// for offline use: the page as rendered for a signed-in cadre, never the
// login form or a refusal.
const offlineShellHeader = "X-Offline-Shell"

const kaderScope = "/kader"

// kaderManifest is the web app manifest of the cadre's page.
func (s *Server) kaderManifest(c echo.Context) error {
	lang := s.lang(c)
	icons := make([]map[string]string, 0, len(kaderIconSizes))
	for _, n := range kaderIconSizes {
		icons = append(icons, map[string]string{"src": fmt.Sprintf("/kader/icons/%d.png", n),
			"sizes": fmt.Sprintf("%dx%d", n, n), "type": "image/png", "purpose": "any maskable"})
	}
	body, err := json.Marshal(map[string]any{
		"name": tr(lang, "bts.pwa.name"), "short_name": tr(lang, "bts.pwa.short"),
		"description": tr(lang, "bts.pwa.description"), "lang": lang,
		"start_url": kaderScope, "scope": kaderScope, "id": kaderScope,
		"display": "standalone", "orientation": "portrait",
		"background_color": "#ffffff", "theme_color": kaderTheme, "icons": icons,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	c.Response().Header().Add("Vary", "Cookie")
	return writeMaybeGzip(c, "application/manifest+json", body, nil)
}

// kaderTheme is the page's bar colour, the app's theme colour.
const kaderTheme = "#00594f"

var (
	kaderIconsOnce sync.Once
	kaderIcons     map[string][]byte
)

// kaderIcon serves the app icon of the size :name ("192.png").
func (s *Server) kaderIcon(c echo.Context) error {
	kaderIconsOnce.Do(func() {
		kaderIcons = map[string][]byte{}
		for _, n := range kaderIconSizes {
			var buf bytes.Buffer
			png.Encode(&buf, drawKaderIcon(n)) // an in-memory RGBA image always encodes
			kaderIcons[fmt.Sprintf("%d.png", n)] = buf.Bytes()
		}
	})
	b, ok := kaderIcons[c.Param("name")]
	if !ok {
		return errNotFound
	}
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/png", b)
}

// drawKaderIcon draws the app icon, n pixels square: a plate with an egg
// (the protein the cadres bring) on the page's green, full bleed and with
// the picture inside the middle 60% so that a maskable crop keeps it.
func drawKaderIcon(n int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, n, n))
	green := color.RGBA{0x00, 0x59, 0x4f, 0xff}
	plate := color.RGBA{0xff, 0xff, 0xff, 0xff}
	white := color.RGBA{0xf4, 0xf1, 0xe8, 0xff}
	yolk := color.RGBA{0xf2, 0xb1, 0x1b, 0xff}
	c := float64(n) / 2
	in := func(x, y int, cx, cy, rx, ry float64) bool {
		dx, dy := (float64(x)+.5-cx)/rx, (float64(y)+.5-cy)/ry
		return dx*dx+dy*dy <= 1
	}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			col := green
			switch {
			case in(x, y, c+.04*c, c-.02*c, .17*c, .17*c):
				col = yolk
			case in(x, y, c, c, .42*c, .34*c):
				col = white
			case in(x, y, c, c, .58*c, .58*c):
				col = plate
			}
			img.SetRGBA(x, y, col)
		}
	}
	return img
}

// kaderServiceWorker serves the service worker of the cadre's page. It is
// served from the root (a worker's scope can cover only paths under its
// own) and registered with scope /kader. Its bytes change with every build
// (the asset version is in it), which is how browsers learn to update it.
func (s *Server) kaderServiceWorker(c echo.Context) error {
	shell := make([]string, 0, len(kaderShell)+len(kaderIconSizes)+1)
	for _, name := range kaderShell {
		shell = append(shell, assetURL(name))
	}
	for _, n := range kaderIconSizes {
		shell = append(shell, fmt.Sprintf("/kader/icons/%d.png", n))
	}
	shell = append(shell, "/kader/manifest.webmanifest")
	list, err := json.Marshal(shell)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString("// The service worker of the cadre's page (static/bts-sw.js), for this build.\n")
	fmt.Fprintf(&b, "import {serve} from %q;\n", assetURL("bts-sw.js"))
	fmt.Fprintf(&b, "serve(%q, %q, %s, %q);\n", loadAssets().version, kaderScope, list, offlineShellHeader)
	h := c.Response().Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("Service-Worker-Allowed", kaderScope)
	return writeMaybeGzip(c, "text/javascript; charset=utf-8", []byte(b.String()), nil)
}
