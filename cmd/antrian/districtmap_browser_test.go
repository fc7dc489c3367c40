package main

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestDistrictMapInBrowser: after the district admin uploads the desa
// boundaries, the Dinas Kesehatan signs in at /dinkes and sees the map;
// clicking the desa opens its row of the table, and the switch shows the
// delivery compliance instead.
func TestDistrictMapInBrowser(t *testing.T) {
	_, app := btsEnv(t)
	admin := newClient(t, app.URL())
	admin.login("admin", "rahasia123")
	boundaries := `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"nama":"Desa Sobo"},` +
		`"geometry":{"type":"Polygon","coordinates":[[[114.33,-8.22],[114.37,-8.22],[114.37,-8.18],[114.33,-8.18],[114.33,-8.22]]]}}]}`
	if st, raw := admin.raw("PUT", "/api/v1/district/map/boundaries", boundaries, nil); st != 200 {
		t.Fatalf("upload: %d %s", st, raw)
	}

	const wait = 10 * time.Second
	ctx := tab(t, browser(t), 1024, 900, false)
	do(t, ctx, "open the district page", chromedp.Navigate(app.URL()+"/dinkes"))
	waitFor(t, ctx, "the login form", visible("#login"), wait)
	do(t, ctx, "log in as dinkes", typeIn("#username", "dinkes"), typeIn("#password", "rahasia123"), click("#login button[type=submit]"))
	area := `#map svg a path.area[data-code="sobo-desa"]`
	// Signing in hashes the password (argon2id), slow on a busy machine
	// under the race detector.
	waitFor(t, ctx, "the map", visible(area), 4*wait)
	if got := eval[string](t, ctx, `document.querySelector('`+area+`').getAttribute('fill')`); got != "url(#nodata)" {
		t.Errorf("Sobo, nobody measured: fill %q, want the no-data hatching", got)
	}
	if w := eval[float64](t, ctx, `document.querySelector('`+area+`').getBoundingClientRect().width`); w < 100 {
		t.Errorf("the desa is %.0f px wide: not fitted to the map", w)
	}
	do(t, ctx, "click the desa", click(area))
	waitFor(t, ctx, "its row", `location.hash === '#map-desa-sobo-desa' && document.querySelector('#map-desa-sobo-desa:target') !== null`, wait)
	do(t, ctx, "switch to compliance", click(`.map-switch a:not([aria-current])`))
	waitFor(t, ctx, "the compliance map", `(document.querySelector('.map-switch a[aria-current]') || {}).href?.includes('map=compliance') && !!document.querySelector('`+area+`')`, wait)
}
