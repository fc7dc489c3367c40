package photo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config says where the bucket of an S3Store is.
type S3Config struct {
	// Endpoint is the server's host[:port], as the service reaches it.
	Endpoint string
	Bucket   string
	// AccessKey and SecretKey sign every request.
	AccessKey, SecretKey string
	// Region is the bucket's region ("us-east-1" when empty); setting it
	// spares a lookup before the first request and before every link.
	Region string
	// UseSSL talks HTTPS to Endpoint.
	UseSSL bool
	// PublicURL is the server's base URL as browsers reach it
	// (https://host[:port]), for presigned links; empty: Endpoint.
	PublicURL string
	// LinkTTL is how long a presigned link to a photo is valid; zero: the
	// service serves photos itself and makes no links.
	LinkTTL time.Duration
}

// ParseS3URL reads the one-URL form of the configuration:
//
//	http(s)://ACCESS_KEY:SECRET_KEY@host[:port]/bucket[?region=R]
//
// https means UseSSL. The keys are URL-escaped when they hold reserved
// characters.
func ParseS3URL(s string) (S3Config, error) {
	u, err := url.Parse(s)
	if err != nil {
		return S3Config{}, errors.New("not a URL")
	}
	var c S3Config
	switch u.Scheme {
	case "https":
		c.UseSSL = true
	case "http":
	default:
		return S3Config{}, errors.New("want http(s)://ACCESS_KEY:SECRET_KEY@host:port/bucket")
	}
	c.Endpoint = u.Host
	c.Bucket = strings.Trim(u.Path, "/")
	if u.User != nil {
		c.AccessKey = u.User.Username()
		c.SecretKey, _ = u.User.Password()
	}
	c.Region = u.Query().Get("region")
	if c.Endpoint == "" || c.Bucket == "" || strings.Contains(c.Bucket, "/") || c.AccessKey == "" || c.SecretKey == "" {
		return S3Config{}, errors.New("want http(s)://ACCESS_KEY:SECRET_KEY@host:port/bucket")
	}
	return c, nil
}

// S3Store keeps served photos in an S3-compatible bucket (AWS S3, MinIO,
// SeaweedFS, Ceph RGW, Garage...), with the same content-addressed names as
// Store on disk (h[0:2]/h.jpg), so that every instance of the service sees
// every photo and the bucket's own replication keeps them.
type S3Store struct {
	client *minio.Client
	links  *minio.Client // signs links with PublicURL's host
	bucket string
	region string
	ttl    time.Duration
}

// NewS3Store returns the store of c. It makes no request: see
// EnsureBucket.
func NewS3Store(c S3Config) (*S3Store, error) {
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	client, err := newS3Client(c.Endpoint, c.UseSSL, c)
	if err != nil {
		return nil, err
	}
	s := &S3Store{client: client, links: client, bucket: c.Bucket, region: c.Region, ttl: c.LinkTTL}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("photo store: public URL %q: want http(s)://host[:port]", c.PublicURL)
		}
		if s.links, err = newS3Client(u.Host, u.Scheme == "https", c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func newS3Client(endpoint string, ssl bool, c S3Config) (*minio.Client, error) {
	client, err := minio.New(endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       ssl,
		Region:       c.Region,
		BucketLookup: minio.BucketLookupPath, // works without wildcard DNS
	})
	if err != nil {
		return nil, fmt.Errorf("photo store %s: %w", endpoint, err)
	}
	return client, nil
}

// EnsureBucket checks that the server answers and creates the bucket when
// it does not exist yet.
func (s *S3Store) EnsureBucket(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("photo bucket %s: %w", s.bucket, err)
	}
	if ok {
		return nil
	}
	err = s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: s.region})
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == minio.BucketAlreadyOwnedByYou || code == minio.BucketAlreadyExists {
			return nil // another instance made it first
		}
		return fmt.Errorf("create photo bucket %s: %w", s.bucket, err)
	}
	return nil
}

// metaSHA256 is the object's user metadata that names its content's hash.
const metaSHA256 = "Sha256"

// Put stores p unless the bucket has it already. The upload carries its
// MD5, so the server refuses a body damaged on the way.
func (s *S3Store) Put(ctx context.Context, p Photo) error {
	if err := checkHash(p.Hash); err != nil {
		return err
	}
	if size, err := s.Size(ctx, p.Hash); err == nil && size == int64(len(p.JPEG)) {
		return nil // content-addressed: the same name is the same bytes
	}
	err := s.put(ctx, p)
	if minio.ToErrorResponse(err).Code == minio.NoSuchBucket {
		// The server was down when the service started, or the bucket
		// was removed since: make it, once.
		if err = s.EnsureBucket(ctx); err == nil {
			err = s.put(ctx, p)
		}
	}
	if err != nil {
		return fmt.Errorf("store photo: %w", err)
	}
	return nil
}

func (s *S3Store) put(ctx context.Context, p Photo) error {
	_, err := s.client.PutObject(ctx, s.bucket, objectName(p.Hash), bytes.NewReader(p.JPEG), int64(len(p.JPEG)), minio.PutObjectOptions{
		ContentType:    "image/jpeg",
		CacheControl:   "private, max-age=31536000, immutable",
		UserMetadata:   map[string]string{metaSHA256: p.Hash},
		SendContentMd5: true,
	})
	return err
}

// Size returns the stored size of the photo with hash; fault.ErrNotFound
// when there is none.
func (s *S3Store) Size(ctx context.Context, hash string) (int64, error) {
	if err := checkHash(hash); err != nil {
		return 0, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, objectName(hash), minio.StatObjectOptions{})
	if err != nil {
		return 0, notFound(hash, err)
	}
	return info.Size, nil
}

// Open opens the stored photo with hash; the caller closes it. It returns
// fault.ErrNotFound when there is none.
func (s *S3Store) Open(ctx context.Context, hash string) (io.ReadCloser, error) {
	if err := checkHash(hash); err != nil {
		return nil, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, objectName(hash), minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(hash, err)
	}
	// GetObject is lazy: Stat makes the request, so a missing photo is
	// reported here rather than in the middle of the response.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, notFound(hash, err)
	}
	return obj, nil
}

// Verify reads the stored photo with hash back and checks that its bytes
// hash to its name and number size. fault.ErrNotFound when there is none.
func (s *S3Store) Verify(ctx context.Context, hash string, size int64) error {
	r, err := s.Open(ctx, hash)
	if err != nil {
		return err
	}
	defer r.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return fmt.Errorf("read photo %s back: %w", hash, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != hash {
		return fmt.Errorf("photo %s in the bucket: %d bytes hashing to %s, want %d bytes", hash, n, got, size)
	}
	return nil
}

// Delete removes the stored photo with hash; a photo that is not there is
// not an error.
func (s *S3Store) Delete(ctx context.Context, hash string) error {
	if err := checkHash(hash); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.bucket, objectName(hash), minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("delete photo: %w", err)
	}
	return nil
}

// PhotoURL returns a presigned link to the photo with hash, valid for the
// configured LinkTTL, made without a request to the server (the link of a
// photo that is not there answers 404). It is an error when the store
// makes no links (LinkTTL zero).
func (s *S3Store) PhotoURL(ctx context.Context, hash string) (string, error) {
	if err := checkHash(hash); err != nil {
		return "", err
	}
	if s.ttl <= 0 {
		return "", errors.New("photo store: links are off (no link TTL)")
	}
	params := url.Values{}
	params.Set("response-content-type", "image/jpeg")
	params.Set("response-cache-control", "private, max-age="+strconv.Itoa(int(s.ttl.Seconds())))
	u, err := s.links.PresignedGetObject(ctx, s.bucket, objectName(hash), s.ttl, params)
	if err != nil {
		return "", fmt.Errorf("photo link: %w", err)
	}
	return u.String(), nil
}

// Links reports whether the store is configured to make presigned links.
func (s *S3Store) Links() bool { return s.ttl > 0 }

// notFound turns the server's "no such key" into fault.ErrNotFound.
func notFound(hash string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return fmt.Errorf("photo %s: %w", hash, fault.ErrNotFound)
	}
	return fmt.Errorf("photo %s: %w", hash, err)
}
