package photo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/antrian/antrian/fault"
)

// MigrateReport counts what Migrate did.
type MigrateReport struct {
	Scanned int // photo files found on disk
	Copied  int // uploaded and read back intact
	Present int // already in the bucket, read back intact (a run resumed)
	Removed int // disk copies removed after their bucket copy was checked
	Ignored int // other files under the directory (temporary uploads...)
	// Failed names each photo that was not moved, with why; it is left
	// on disk and a later run tries it again.
	Failed []string
}

func (r MigrateReport) String() string {
	return fmt.Sprintf("scanned %d, copied %d, already in the bucket %d, removed from disk %d, ignored %d, failed %d",
		r.Scanned, r.Copied, r.Present, r.Removed, r.Ignored, len(r.Failed))
}

// Migrate copies every photo of from into to. Each is checked on disk
// first (its bytes must hash to its name), uploaded unless the bucket
// has it, and read back from the bucket and checked again (size and
// sha256); with remove, the disk copy is then deleted. It can be run again
// at any time: photos already moved are only checked. One photo's failure
// is recorded in the report and the run goes on; the returned error is
// only for a directory that cannot be walked or a cancelled ctx.
func Migrate(ctx context.Context, from Store, to *S3Store, remove bool) (MigrateReport, error) {
	var r MigrateReport
	err := filepath.WalkDir(from.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		hash, ok := photoFile(from.Dir, path)
		if !ok {
			r.Ignored++
			return nil
		}
		r.Scanned++
		present, err := migrateOne(ctx, path, hash, to)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.Failed = append(r.Failed, fmt.Sprintf("%s: %v", hash, err))
			return nil
		}
		if present {
			r.Present++
		} else {
			r.Copied++
		}
		if remove {
			if err := from.Delete(ctx, hash); err != nil {
				r.Failed = append(r.Failed, fmt.Sprintf("%s: copied, but %v", hash, err))
				return nil
			}
			r.Removed++
		}
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) && r.Scanned == 0 {
		return r, fmt.Errorf("photo directory %s: %w", from.Dir, err)
	}
	return r, err
}

// photoFile returns the hash of a file at dir/h[0:2]/h.jpg, the layout of
// Store; ok is false for any other file.
func photoFile(dir, path string) (hash string, ok bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return "", false
	}
	rel = filepath.ToSlash(rel)
	hash, ok = strings.CutSuffix(rel[min(3, len(rel)):], ".jpg")
	if !ok || checkHash(hash) != nil || rel != objectName(hash) {
		return "", false
	}
	return hash, true
}

// migrateOne copies one photo file into the bucket and checks the copy;
// present is true when the bucket had it already.
func migrateOne(ctx context.Context, path, hash string, to *S3Store) (present bool, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(b)
	if got := hex.EncodeToString(sum[:]); got != hash {
		return false, fmt.Errorf("damaged on disk: its bytes hash to %s", got)
	}
	size, err := to.Size(ctx, hash)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return false, err
	}
	if err == nil {
		if size == int64(len(b)) && to.Verify(ctx, hash, size) == nil {
			return true, nil
		}
		// A damaged or partial copy: replace it.
		if err := to.Delete(ctx, hash); err != nil {
			return false, err
		}
	}
	if err := to.Put(ctx, Photo{JPEG: b, Hash: hash}); err != nil {
		return false, err
	}
	return false, to.Verify(ctx, hash, int64(len(b)))
}
