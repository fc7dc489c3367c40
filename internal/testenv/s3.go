package testenv

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Server is a real S3-compatible server of a test's own: SeaweedFS
// (`weed server -s3`, installed by scripts/test-deps.sh) on loopback
// ports, with one identity whose keys sign every request (so signatures
// and presigned links are really checked). It is stopped, and its data
// removed, when the test ends.
type S3Server struct {
	Endpoint             string // 127.0.0.1:port of the S3 API
	AccessKey, SecretKey string
	cmd                  *exec.Cmd
}

// S3 starts an S3 server on the eight loopback ports from base (each
// package that uses it passes its own base, so packages tested at the same
// time do not collide). It skips the test when `weed` is not installed, or
// fails it under CI=true.
func S3(t testing.TB, base int) *S3Server {
	t.Helper()
	weed, err := exec.LookPath("weed")
	if err != nil {
		if gopath := os.Getenv("GOPATH"); gopath != "" {
			weed, err = exec.LookPath(filepath.Join(gopath, "bin", "weed"))
		} else if home, herr := os.UserHomeDir(); herr == nil {
			weed, err = exec.LookPath(filepath.Join(home, "go", "bin", "weed"))
		}
	}
	if err != nil {
		Unavailable(t, "weed (SeaweedFS) is not installed: run scripts/test-deps.sh")
	}
	dir := t.TempDir()
	s := &S3Server{Endpoint: "127.0.0.1:" + strconv.Itoa(base+6), AccessKey: "antrian-test", SecretKey: "antrian-test-secret-key"}
	config := fmt.Sprintf(`{"identities":[{"name":"antrian","credentials":[{"accessKey":%q,"secretKey":%q}],"actions":["Admin","Read","Write","List","Tagging"]}]}`,
		s.AccessKey, s.SecretKey)
	if err := os.WriteFile(filepath.Join(dir, "s3.json"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	port := func(i int) string { return strconv.Itoa(base + i) }
	s.cmd = exec.Command(weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+dir,
		"-master.port="+port(0), "-master.port.grpc="+port(1), "-master.telemetry=false", "-master.volumeSizeLimitMB=16",
		"-volume.port="+port(2), "-volume.port.grpc="+port(3), "-volume.max=100",
		"-filer", "-filer.port="+port(4), "-filer.port.grpc="+port(5), "-filer.localSocket="+filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port="+port(6), "-s3.port.grpc="+port(7), "-s3.port.iceberg=0", "-s3.port.lance=0",
		"-s3.localSocket="+filepath.Join(dir, "s3.sock"), "-s3.config="+filepath.Join(dir, "s3.json"))
	log, err := os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start weed: %v", err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		log.Close()
	})
	if err := s.wait(60 * time.Second); err != nil {
		b, _ := os.ReadFile(log.Name())
		t.Fatalf("SeaweedFS S3 on %s did not start: %v\n%s", s.Endpoint, err, tail(b, 4000))
	}
	return s
}

// wait returns when the S3 API lists buckets with the test's keys and
// accepts an object (the volume servers have joined).
func (s *S3Server) wait(limit time.Duration) error {
	c, err := s.Client()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(limit)
	bucket := "antrian-ready"
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = s.probe(ctx, c, bucket)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (s *S3Server) probe(ctx context.Context, c *minio.Client, bucket string) error {
	conn, err := net.DialTimeout("tcp", s.Endpoint, time.Second)
	if err != nil {
		return err
	}
	conn.Close()
	ok, err := c.BucketExists(ctx, bucket)
	if err != nil {
		return err
	}
	if !ok {
		if err := c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{}); err != nil {
			return err
		}
	}
	_, err = c.PutObject(ctx, bucket, "ready", strings.NewReader("ok"), 2, minio.PutObjectOptions{})
	return err
}

// Client returns a client of the server signed with the test's keys.
func (s *S3Server) Client() (*minio.Client, error) {
	return minio.New(s.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
