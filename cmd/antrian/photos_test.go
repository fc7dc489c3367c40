package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/antrian/antrian/account"
	btsphoto "github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/internal/testenv"
)

// s3Base is the first of the loopback ports this package's S3 servers use
// (18300-18309 are bts/photo's).
const s3Base = 18310

// bucketVars are the settings of an instance that keeps photos in bucket
// of srv, in the separate-variables form.
func bucketVars(srv *testenv.S3Server, bucket string) map[string]string {
	return map[string]string{"ANTRIAN_PHOTO_S3_ENDPOINT": srv.Endpoint, "ANTRIAN_PHOTO_S3_BUCKET": bucket,
		"ANTRIAN_PHOTO_S3_ACCESS_KEY": srv.AccessKey, "ANTRIAN_PHOTO_S3_SECRET_KEY": srv.SecretKey, "ANTRIAN_PHOTO_S3_USE_SSL": "false"}
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A photo reported on instance A (configured by URL) is served by B
// (through the service) and by C (a redirect to a presigned link), which
// share A's bucket and not its disk; the access check comes first on each.
func TestBTSPhotosInBucket(t *testing.T) {
	srv := testenv.S3(t, s3Base)
	e, a := btsEnvWith(t, map[string]string{
		"ANTRIAN_PHOTO_S3_URL": "http://" + srv.AccessKey + ":" + srv.SecretKey + "@" + srv.Endpoint + "/bts-photos"})
	diskA := e.vars["ANTRIAN_PHOTO_DIR"]
	e.vars = bucketVars(srv, "bts-photos")
	e.vars["ANTRIAN_PHOTO_DIR"] = t.TempDir()
	b := e.start()
	e.vars["ANTRIAN_PHOTO_S3_LINK_TTL"] = "1m"
	c := e.start()
	hash, err := account.HashPassword("rahasia123")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.DB.CreateUser(context.Background(), "sobo", "kader2", account.Kader, hash); err != nil {
		t.Fatal(err)
	}

	staffA := newClient(t, a.URL())
	staffA.login("petugas", "rahasia123")
	enrolment := enrolledChild(t, a, staffA)
	kader := newClient(t, a.URL())
	kader.login("kader1", "rahasia123")
	upload, err := os.ReadFile("../../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	ct, body := multipartReport(t, map[string]string{"client_id": "phone-bucket-0001", "enrolment_id": strconv.FormatInt(enrolment, 10),
		"items": `[{"kind":"telur","qty":2,"price_rp":5000}]`, "consumption": "habis"}, upload)
	var d struct {
		PhotoURL string `json:"photo_url"`
	}
	if st := kader.do("POST", "/api/v1/bts/facilities/sobo/deliveries", body, map[string]string{"Content-Type": ct}, &d); st != 201 || d.PhotoURL == "" {
		t.Fatalf("report on A: status %d, photo %q", st, d.PhotoURL)
	}
	st, want := staffA.raw("GET", d.PhotoURL, nil, nil)
	if st != 200 || len(want) == 0 {
		t.Fatalf("photo on A: %d", st)
	}
	if n := countFiles(t, diskA); n != 0 {
		t.Errorf("A wrote %d files to its disk; the photo belongs in the bucket", n)
	}

	t.Run("another instance serves it", func(t *testing.T) {
		staffB := newClient(t, b.URL())
		staffB.login("petugas", "rahasia123")
		if st, got := staffB.raw("GET", d.PhotoURL, nil, nil); st != 200 || !bytes.Equal(got, want) {
			t.Errorf("photo on B: %d, %d bytes; want A's %d", st, len(got), len(want))
		}
	})
	t.Run("another instance redirects to a presigned link", func(t *testing.T) {
		staffC := newClient(t, c.URL())
		staffC.login("petugas", "rahasia123")
		// The browser's view: a redirect that is not kept...
		noFollow := *staffC.http
		noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		resp, err := noFollow.Get(c.URL() + d.PhotoURL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://"+srv.Endpoint+"/bts-photos/") ||
			!strings.Contains(loc, "X-Amz-Signature=") || resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("photo on C: %d to %q (Cache-Control %q), want 302 to a presigned link, not kept", resp.StatusCode, loc, resp.Header.Get("Cache-Control"))
		}
		// ...then the photo from the bucket, without the session's cookie.
		if st, got := staffC.raw("GET", d.PhotoURL, nil, nil); st != 200 || !bytes.Equal(got, want) {
			t.Errorf("photo on C, following the link: %d, %d bytes; want A's %d", st, len(got), len(want))
		}
		// The access check comes before any link.
		other := newClient(t, c.URL())
		other.login("kader2", "rahasia123")
		if st, _ := other.raw("GET", d.PhotoURL, nil, nil); st != http.StatusNotFound {
			t.Errorf("another cadre's request on C: %d, want 404", st)
		}
		if st, _ := newClient(t, c.URL()).raw("GET", d.PhotoURL, nil, nil); st != http.StatusUnauthorized {
			t.Errorf("anonymous request on C: %d, want 401", st)
		}
	})
}

// `antrian photos migrate` moves the photos of ANTRIAN_PHOTO_DIR into the
// bucket, can be run again, removes the disk copies with --remove, and
// fails (exit status 1) on a photo damaged on disk.
func TestPhotosMigrateCommand(t *testing.T) {
	srv := testenv.S3(t, s3Base+10)
	dir := t.TempDir()
	upload, err := os.ReadFile("../../bts/photo/testdata/gps.jpg")
	if err != nil {
		t.Fatal(err)
	}
	p, err := btsphoto.Process(upload)
	if err != nil {
		t.Fatal(err)
	}
	if err := (btsphoto.Store{Dir: dir}).Put(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	vars := bucketVars(srv, "migrated")
	vars["ANTRIAN_PHOTO_DIR"] = dir
	migrate := func(args ...string) (string, error) {
		var out, errw bytes.Buffer
		err := run(context.Background(), append([]string{"photos", "migrate"}, args...), func(k string) string { return vars[k] }, nil, &out, &errw)
		return out.String(), err
	}
	for _, step := range []struct {
		args []string
		want string
	}{
		{nil, "scanned 1, copied 1, already in the bucket 0, removed from disk 0, ignored 0, failed 0"},
		{nil, "scanned 1, copied 0, already in the bucket 1, removed from disk 0, ignored 0, failed 0"},
		{[]string{"--remove"}, "scanned 1, copied 0, already in the bucket 1, removed from disk 1, ignored 0, failed 0"},
		{[]string{"--remove"}, "scanned 0, copied 0, already in the bucket 0, removed from disk 0, ignored 0, failed 0"},
	} {
		out, err := migrate(step.args...)
		if err != nil || !strings.Contains(out, step.want) {
			t.Errorf("photos migrate %v: %q, %v; want %q", step.args, out, err, step.want)
		}
	}
	s, err := btsphoto.NewS3Store(*mustConfig(t, vars).PhotoS3)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background(), p.Hash, int64(len(p.JPEG))); err != nil {
		t.Errorf("the photo in the bucket: %v", err)
	}

	// A photo damaged on disk stays there and sets the exit status.
	other := strings.Repeat("ab", 32)
	os.MkdirAll(filepath.Join(dir, "ab"), 0o750)
	if err := os.WriteFile(filepath.Join(dir, "ab", other+".jpg"), []byte("not it"), 0o640); err != nil {
		t.Fatal(err)
	}
	out, err := migrate("--remove")
	var ee exitError
	if !errors.As(err, &ee) || ee != 1 || !strings.Contains(out, "failed 1") {
		t.Errorf("with a damaged photo: %q, %v; want failed 1 and exit status 1", out, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ab", other+".jpg")); err != nil {
		t.Errorf("the damaged photo was removed: %v", err)
	}

	delete(vars, "ANTRIAN_PHOTO_S3_ENDPOINT")
	if _, err := migrate(); err == nil || !strings.Contains(err.Error(), "no bucket") {
		t.Errorf("without a bucket: %v, want an error saying so", err)
	}
}

func mustConfig(t *testing.T, vars map[string]string) Config {
	t.Helper()
	cfg, err := LoadConfig(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The bucket is configured by one URL or by separate variables, never
// both; a missing piece names its variable.
func TestPhotoS3Config(t *testing.T) {
	if cfg := mustConfig(t, nil); cfg.PhotoS3 != nil {
		t.Errorf("no bucket set: %+v", cfg.PhotoS3)
	}
	cfg := mustConfig(t, map[string]string{"ANTRIAN_PHOTO_S3_ENDPOINT": "s3.example:9000", "ANTRIAN_PHOTO_S3_BUCKET": "b",
		"ANTRIAN_PHOTO_S3_ACCESS_KEY": "k", "ANTRIAN_PHOTO_S3_SECRET_KEY": "s", "ANTRIAN_PHOTO_S3_REGION": "id-1",
		"ANTRIAN_PHOTO_S3_LINK_TTL": "5m", "ANTRIAN_PHOTO_S3_PUBLIC_URL": "https://foto.example"})
	if c := cfg.PhotoS3; c == nil || c.Endpoint != "s3.example:9000" || !c.UseSSL || c.Region != "id-1" || c.LinkTTL.Minutes() != 5 || c.PublicURL != "https://foto.example" {
		t.Errorf("separate variables: %+v", cfg.PhotoS3)
	}
	for _, bad := range []struct {
		vars map[string]string
		name string
	}{
		{map[string]string{"ANTRIAN_PHOTO_S3_URL": "http://k:s@h:1/b", "ANTRIAN_PHOTO_S3_ENDPOINT": "h:1"}, "ANTRIAN_PHOTO_S3_URL"},
		{map[string]string{"ANTRIAN_PHOTO_S3_URL": "ftp://k:s@h:1/b"}, "ANTRIAN_PHOTO_S3_URL"},
		{map[string]string{"ANTRIAN_PHOTO_S3_ENDPOINT": "h:1", "ANTRIAN_PHOTO_S3_ACCESS_KEY": "k", "ANTRIAN_PHOTO_S3_SECRET_KEY": "s"}, "ANTRIAN_PHOTO_S3_BUCKET"},
		{map[string]string{"ANTRIAN_PHOTO_S3_ENDPOINT": "h:1", "ANTRIAN_PHOTO_S3_BUCKET": "b", "ANTRIAN_PHOTO_S3_ACCESS_KEY": "k",
			"ANTRIAN_PHOTO_S3_SECRET_KEY": "s", "ANTRIAN_PHOTO_S3_USE_SSL": "x"}, "ANTRIAN_PHOTO_S3_USE_SSL"},
		{map[string]string{"ANTRIAN_PHOTO_S3_URL": "http://k:s@h:1/b", "ANTRIAN_PHOTO_S3_LINK_TTL": "soon"}, "ANTRIAN_PHOTO_S3_LINK_TTL"},
		{map[string]string{"ANTRIAN_PHOTO_S3_URL": "http://k:s@h:1/b", "ANTRIAN_PHOTO_S3_PUBLIC_URL": "foto.example"}, "public URL"},
	} {
		_, err := LoadConfig(func(k string) string { return bad.vars[k] })
		if err == nil || !strings.Contains(err.Error(), bad.name) {
			t.Errorf("%v: %v, want an error naming %s", bad.vars, err, bad.name)
		}
	}
}
