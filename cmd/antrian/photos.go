package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/antrian/antrian/bts/photo"
)

// photosCommand is `antrian photos migrate [--dir D] [--remove]`: it moves
// the BTS photos kept on disk (ANTRIAN_PHOTO_DIR) into the configured
// bucket (ANTRIAN_PHOTO_S3_*), checking each copy, and prints the counts.
// It may be stopped and run again: photos already in the bucket are only
// checked. The exit status is 1 when a photo could not be moved.
func photosCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return errors.New("photos: want `photos migrate [--dir D] [--remove]`")
	}
	fs := flag.NewFlagSet("photos migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", cfg.PhotoDir, "the directory the photos are in (default ANTRIAN_PHOTO_DIR)")
	remove := fs.Bool("remove", false, "delete each photo from disk once its copy in the bucket is checked")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.PhotoS3 == nil {
		return errors.New("photos migrate: no bucket configured (set ANTRIAN_PHOTO_S3_URL or ANTRIAN_PHOTO_S3_ENDPOINT...)")
	}
	to, err := photo.NewS3Store(*cfg.PhotoS3)
	if err != nil {
		return err
	}
	if err := to.EnsureBucket(ctx); err != nil {
		return err
	}
	r, err := photo.Migrate(ctx, photo.Store{Dir: *dir}, to, *remove)
	for _, f := range r.Failed {
		log.Error("photo not moved", "photo", f)
	}
	fmt.Fprintf(stdout, "photos migrate %s -> %s/%s: %s\n", *dir, cfg.PhotoS3.Endpoint, cfg.PhotoS3.Bucket, r)
	if err != nil {
		return fmt.Errorf("photos migrate: %w", err)
	}
	if len(r.Failed) > 0 {
		return exitError(1)
	}
	return nil
}
