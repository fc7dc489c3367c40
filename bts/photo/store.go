package photo

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/antrian/antrian/fault"
)

// The adapters that keep photos: on disk (Store, here) or in an
// S3-compatible bucket (S3Store, s3.go). The rest of the package is pure:
// it turns an upload into an image safe to serve and reads its EXIF.

// Store keeps served photos on disk under Dir, content-addressed: the
// file of hash h is Dir/h[0:2]/h.jpg. The same photo uploaded twice is
// stored once, and a stored file never changes.
type Store struct {
	Dir string
}

// checkHash returns fault.ErrNotFound unless hash is a sha256 in lower-case
// hex, so a hash never names anything outside the store.
func checkHash(hash string) error {
	if len(hash) != 64 || strings.ToLower(hash) != hash {
		return fmt.Errorf("photo %q: %w", hash, fault.ErrNotFound)
	}
	if _, err := hex.DecodeString(hash); err != nil {
		return fmt.Errorf("photo %q: %w", hash, fault.ErrNotFound)
	}
	return nil
}

// objectName is where the photo of hash lives, relative to the store's
// root: h[0:2]/h.jpg on disk and in a bucket alike.
func objectName(hash string) string { return hash[:2] + "/" + hash + ".jpg" }

func (s Store) path(hash string) (string, error) {
	if err := checkHash(hash); err != nil {
		return "", err
	}
	return filepath.Join(s.Dir, filepath.FromSlash(objectName(hash))), nil
}

// Put stores p (written to a temporary file and renamed, so a reader never
// sees half a photo). It returns any error of the file system.
func (s Store) Put(_ context.Context, p Photo) error {
	name, err := s.path(p.Hash)
	if err != nil {
		return err
	}
	if _, err := os.Stat(name); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o750); err != nil {
		return fmt.Errorf("store photo: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(name), ".upload-*")
	if err != nil {
		return fmt.Errorf("store photo: %w", err)
	}
	_, err = f.Write(p.JPEG)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), name)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("store photo: %w", err)
	}
	return nil
}

// Open opens the stored photo with hash; the caller closes it. It returns
// fault.ErrNotFound when there is none.
func (s Store) Open(_ context.Context, hash string) (io.ReadCloser, error) {
	name, err := s.path(hash)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("photo %s: %w", hash, fault.ErrNotFound)
	}
	if err != nil {
		return nil, err // not a nil *os.File in a non-nil interface
	}
	return f, nil
}

// Delete removes the stored photo with hash; a photo that is not there is
// not an error.
func (s Store) Delete(_ context.Context, hash string) error {
	name, err := s.path(hash)
	if err != nil {
		return err
	}
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete photo: %w", err)
	}
	return nil
}
