package photo_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/internal/testenv"
	"github.com/minio/minio-go/v7"
)

// s3Base is the first of the loopback ports this package's S3 server uses.
const s3Base = 18300

// makePhoto returns a distinct processed photo for each n.
func makePhoto(t *testing.T, n int) photo.Photo {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 16, 12))
	for i := range img.Pix {
		img.Pix[i] = byte(n*37 + i)
	}
	img.Set(0, 0, color.RGBA{byte(n), 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	p, err := photo.Process(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newS3Store(t *testing.T, srv *testenv.S3Server, bucket string, mod func(*photo.S3Config)) *photo.S3Store {
	t.Helper()
	c := photo.S3Config{Endpoint: srv.Endpoint, Bucket: bucket, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey}
	if mod != nil {
		mod(&c)
	}
	s, err := photo.NewS3Store(c)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// content returns the bytes of the photo with hash in s.
func content(t *testing.T, s interface {
	Open(context.Context, string) (io.ReadCloser, error)
}, hash string) []byte {
	t.Helper()
	r, err := s.Open(t.Context(), hash)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestS3Store(t *testing.T) {
	srv := testenv.S3(t, s3Base)
	ctx := t.Context()
	s := newS3Store(t, srv, "photos", func(c *photo.S3Config) { c.LinkTTL = 2 * time.Minute })
	for range 2 { // creates the bucket, then finds it
		if err := s.EnsureBucket(ctx); err != nil {
			t.Fatal(err)
		}
	}
	p, q := makePhoto(t, 1), makePhoto(t, 2)
	for _, ph := range []photo.Photo{p, p, q} { // the same photo twice is stored once
		if err := s.Put(ctx, ph); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("get", func(t *testing.T) {
		if got := content(t, s, p.Hash); !bytes.Equal(got, p.JPEG) {
			t.Errorf("Open: %d bytes, want the %d stored", len(got), len(p.JPEG))
		}
		if n, err := s.Size(ctx, q.Hash); err != nil || n != int64(len(q.JPEG)) {
			t.Errorf("Size: %d, %v; want %d", n, err, len(q.JPEG))
		}
		if err := s.Verify(ctx, p.Hash, int64(len(p.JPEG))); err != nil {
			t.Errorf("Verify: %v", err)
		}
		if err := s.Verify(ctx, p.Hash, int64(len(p.JPEG))+1); err == nil {
			t.Error("Verify with the wrong size passed")
		}
		for _, h := range []string{strings.Repeat("0", 64), "../../photos/x", strings.ToUpper(p.Hash)} {
			if _, err := s.Open(ctx, h); !errors.Is(err, fault.ErrNotFound) {
				t.Errorf("Open(%q): %v, want fault.ErrNotFound", h, err)
			}
		}
	})
	t.Run("objects are named as on disk", func(t *testing.T) {
		c, err := srv.Client()
		if err != nil {
			t.Fatal(err)
		}
		info, err := c.StatObject(ctx, "photos", p.Hash[:2]+"/"+p.Hash+".jpg", minio.StatObjectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if info.ContentType != "image/jpeg" || info.Size != int64(len(p.JPEG)) {
			t.Errorf("object: %s, %d bytes; want image/jpeg, %d", info.ContentType, info.Size, len(p.JPEG))
		}
	})
	t.Run("presigned link", func(t *testing.T) {
		link, err := s.PhotoURL(ctx, p.Hash)
		if err != nil {
			t.Fatal(err)
		}
		st, ct, body := get(t, link)
		if st != 200 || ct != "image/jpeg" || !bytes.Equal(body, p.JPEG) {
			t.Errorf("GET link: %d %s, %d bytes; want 200 image/jpeg with the photo", st, ct, len(body))
		}
		// The signature covers the name: the link of p does not open q.
		forged := strings.Replace(link, p.Hash, q.Hash, 2)
		if st, _, _ := get(t, forged); st != http.StatusForbidden {
			t.Errorf("GET a link with another photo's name: %d, want 403", st)
		}
		// Without the signature the bucket is closed.
		u, _ := url.Parse(link)
		u.RawQuery = ""
		if st, _, _ := get(t, u.String()); st != http.StatusForbidden {
			t.Errorf("GET without a signature: %d, want 403", st)
		}
	})
	t.Run("links expire", func(t *testing.T) {
		short := newS3Store(t, srv, "photos", func(c *photo.S3Config) { c.LinkTTL = time.Second })
		link, err := short.PhotoURL(ctx, p.Hash)
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(2100 * time.Millisecond)
		if st, _, _ := get(t, link); st != http.StatusForbidden {
			t.Errorf("GET an expired link: %d, want 403", st)
		}
		off := newS3Store(t, srv, "photos", nil)
		if _, err := off.PhotoURL(ctx, p.Hash); err == nil || off.Links() {
			t.Error("a store without a link TTL made a link")
		}
	})
	t.Run("public URL", func(t *testing.T) {
		// Browsers reach the server by another name than the service does.
		_, port, _ := strings.Cut(srv.Endpoint, ":")
		pub := newS3Store(t, srv, "photos", func(c *photo.S3Config) {
			c.LinkTTL, c.PublicURL = time.Minute, "http://localhost:"+port
		})
		link, err := pub.PhotoURL(ctx, q.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link, "http://localhost:"+port+"/photos/") {
			t.Errorf("link %s is not on the public URL", link)
		}
		if st, _, body := get(t, link); st != 200 || !bytes.Equal(body, q.JPEG) {
			t.Errorf("GET public link: %d, %d bytes", st, len(body))
		}
	})
	t.Run("wrong keys are refused", func(t *testing.T) {
		bad := newS3Store(t, srv, "photos", func(c *photo.S3Config) { c.SecretKey = "not-the-secret" })
		if err := bad.Put(ctx, makePhoto(t, 3)); err == nil {
			t.Error("Put with a wrong secret key succeeded")
		}
	})
	t.Run("delete", func(t *testing.T) {
		for range 2 { // deleting what is not there is not an error
			if err := s.Delete(ctx, q.Hash); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Open(ctx, q.Hash); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Open after Delete: %v, want fault.ErrNotFound", err)
		}
		if _, err := s.Size(ctx, q.Hash); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("Size after Delete: %v, want fault.ErrNotFound", err)
		}
	})
	t.Run("the bucket is made on the first upload when it was missing", func(t *testing.T) {
		late := newS3Store(t, srv, "made-late", nil)
		if err := late.Put(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got := content(t, late, p.Hash); !bytes.Equal(got, p.JPEG) {
			t.Error("photo not stored in the bucket made on upload")
		}
	})
}

func get(t *testing.T, u string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

func TestMigrate(t *testing.T) {
	srv := testenv.S3(t, s3Base+10)
	ctx := t.Context()
	disk := photo.Store{Dir: t.TempDir()}
	var photos []photo.Photo
	for n := range 4 {
		p := makePhoto(t, 10+n)
		photos = append(photos, p)
		if err := disk.Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	// A file damaged on disk, and files that are not photos.
	damaged := makePhoto(t, 20)
	if err := disk.Put(ctx, damaged); err != nil {
		t.Fatal(err)
	}
	damagedPath := filepath.Join(disk.Dir, damaged.Hash[:2], damaged.Hash+".jpg")
	if err := os.WriteFile(damagedPath, damaged.JPEG[:len(damaged.JPEG)/2], 0o640); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"README", "ab/.upload-123", "ab/notahash.jpg"} {
		os.MkdirAll(filepath.Dir(filepath.Join(disk.Dir, name)), 0o750)
		if err := os.WriteFile(filepath.Join(disk.Dir, name), []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	bucket := newS3Store(t, srv, "migrated", nil)
	if err := bucket.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	check := func(name string, remove bool, want photo.MigrateReport) {
		t.Helper()
		got, err := photo.Migrate(ctx, disk, bucket, remove)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.Scanned != want.Scanned || got.Copied != want.Copied || got.Present != want.Present ||
			got.Removed != want.Removed || got.Ignored != want.Ignored || len(got.Failed) != len(want.Failed) {
			t.Errorf("%s: got %s %q, want %s", name, got, got.Failed, want)
		}
		for i := range min(len(got.Failed), len(want.Failed)) {
			if !strings.Contains(got.Failed[i], want.Failed[i]) {
				t.Errorf("%s: failure %q, want it to say %q", name, got.Failed[i], want.Failed[i])
			}
		}
	}
	damagedWhy := []string{damaged.Hash + ": damaged on disk"}
	check("first run", false, photo.MigrateReport{Scanned: 5, Copied: 4, Ignored: 3, Failed: damagedWhy})
	for _, p := range photos {
		if got := content(t, bucket, p.Hash); !bytes.Equal(got, p.JPEG) {
			t.Errorf("photo %s in the bucket differs from the disk's", p.Hash)
		}
	}
	if _, err := bucket.Size(ctx, damaged.Hash); !errors.Is(err, fault.ErrNotFound) {
		t.Errorf("the damaged photo was copied: %v", err)
	}
	// Resumed: what is there is checked, not copied again.
	check("second run", false, photo.MigrateReport{Scanned: 5, Present: 4, Ignored: 3, Failed: damagedWhy})
	// A partial copy left in the bucket (an upload cut short by hand) is
	// replaced.
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	half := photos[0].JPEG[:100]
	if _, err := c.PutObject(ctx, "migrated", photos[0].Hash[:2]+"/"+photos[0].Hash+".jpg", bytes.NewReader(half), int64(len(half)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	check("with a partial copy", true, photo.MigrateReport{Scanned: 5, Copied: 1, Present: 3, Removed: 4, Ignored: 3, Failed: damagedWhy})
	if got := content(t, bucket, photos[0].Hash); !bytes.Equal(got, photos[0].JPEG) {
		t.Error("the partial copy was not replaced")
	}
	for _, p := range photos {
		if _, err := disk.Open(ctx, p.Hash); !errors.Is(err, fault.ErrNotFound) {
			t.Errorf("photo %s still on disk after --remove: %v", p.Hash, err)
		}
	}
	if _, err := os.Stat(damagedPath); err != nil {
		t.Errorf("the damaged photo was removed from disk: %v", err)
	}
	check("after the move", true, photo.MigrateReport{Scanned: 1, Ignored: 3, Failed: damagedWhy})

	if _, err := photo.Migrate(ctx, photo.Store{Dir: filepath.Join(disk.Dir, "nope")}, bucket, false); err == nil {
		t.Error("Migrate from a missing directory: no error")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := photo.Migrate(cancelled, disk, bucket, false); !errors.Is(err, context.Canceled) {
		t.Errorf("Migrate with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestParseS3URL(t *testing.T) {
	c, err := photo.ParseS3URL("https://AK:s%2Fecret@s3.example.go.id:9000/bts-photos?region=ap-southeast-3")
	if err != nil {
		t.Fatal(err)
	}
	want := photo.S3Config{Endpoint: "s3.example.go.id:9000", Bucket: "bts-photos", AccessKey: "AK", SecretKey: "s/ecret", Region: "ap-southeast-3", UseSSL: true}
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	if c, err := photo.ParseS3URL("http://k:s@127.0.0.1:8333/p"); err != nil || c.UseSSL || c.Region != "" {
		t.Errorf("http URL: %+v, %v", c, err)
	}
	for _, bad := range []string{"s3://k:s@h/b", "http://h:1/b", "http://k:s@h:1/", "http://k:s@h:1/a/b", "http://k@h:1/b", "::"} {
		if _, err := photo.ParseS3URL(bad); err == nil {
			t.Errorf("ParseS3URL(%q): no error", bad)
		}
	}
}
