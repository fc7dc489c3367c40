// Command antrian runs the queue service and its administration commands.
//
//	antrian [serve]          run the service (the default)
//	antrian migrate          apply database migrations and exit
//	antrian seed --demo      create the demo facility "sobo"
//	antrian user add --facility F --username U --role R --password-stdin
//	antrian anthro < in.csv > out.csv   WHO z-scores for a CSV batch
//	antrian jkn configure --facility F --username U --password-stdin --poli 001=UMUM
//	antrian photos migrate [--dir D] [--remove]   move BTS photos from disk to the bucket
//
// Settings come from the environment; see Config.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // facilities' zones work on machines without tzdata

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "antrian:", err)
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(int(ee))
		}
		os.Exit(1)
	}
}

// exitError is a run error that only sets the exit status (its message was
// already written).
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// run is the whole program, with its inputs and outputs passed in.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	cfg, err := LoadConfig(getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	switch cmd {
	case "serve":
		app := NewApp(cfg, log)
		if err := app.Start(ctx); err != nil {
			return err
		}
		if cfg.Demo {
			if err := app.DB.SeedDemo(ctx); err != nil {
				app.Close()
				return err
			}
			log.Info("demo facility sobo is ready", "url", "http://"+app.Addr()+"/")
		}
		log.Info("antrian listening", "addr", app.Addr())
		return app.Wait(ctx)
	case "migrate":
		db, err := openDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		db.Close()
		return nil
	case "seed":
		fs := flag.NewFlagSet("seed", flag.ContinueOnError)
		fs.SetOutput(stderr)
		demo := fs.Bool("demo", false, "create the demo facility sobo (Puskesmas Sobo)")
		district := fs.Int("district", 0, "also create N facilities pkm001... with the demo units (load tests)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		if !*demo && *district <= 0 {
			return errors.New("seed: want --demo and/or --district N")
		}
		db, err := openDB(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer db.Close()
		if *demo {
			if err := db.SeedDemo(ctx); err != nil {
				return err
			}
			fmt.Fprintln(stdout, "demo facility sobo (Puskesmas Sobo) is ready")
		}
		if *district > 0 {
			if err := db.SeedDistrict(ctx, *district); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%d facilities pkm001... are ready\n", *district)
		}
		return nil
	case "user":
		return userCommand(ctx, cfg, log, args, stdin, stdout, stderr)
	case "jkn":
		return jknCommand(ctx, cfg, log, args, stdin, stdout, stderr)
	case "photos":
		return photosCommand(ctx, cfg, log, args, stdout, stderr)
	case "anthro":
		// Pure computation: no database. Bad rows are reported on stderr
		// line by line and only set the exit status (api-v1.md).
		bad, err := anthro.ConvertCSV(stdin, stdout, stderr)
		if err != nil {
			return fmt.Errorf("anthro: %w", err)
		}
		if bad > 0 {
			return exitError(1)
		}
		return nil
	case "healthcheck":
		return healthcheck(ctx, cfg)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

const usage = `usage:
  antrian [serve]
  antrian migrate
  antrian seed --demo [--district N]
  antrian user add --facility F --username U --role admin|staff|kader|dinkes --password-stdin
  antrian anthro < measurements.csv > zscores.csv
  antrian jkn configure --facility F --username U --password-stdin --poli 001=UMUM,002=GIGI
  antrian photos migrate [--dir D] [--remove]`

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB connects, creating the database if needed, and migrates.
func openDB(ctx context.Context, cfg Config, log *slog.Logger) (*postgres.DB, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, log); err != nil {
		db.Close()
		return nil, err
	}
	if cfg.DatabaseReplica != "" {
		if err := db.OpenReplica(ctx, cfg.DatabaseReplica); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func userCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("user: want `user add --facility F --username U --role R --password-stdin`")
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	facility := fs.String("facility", "", "facility code (empty: the whole district)")
	username := fs.String("username", "", "login name")
	roleName := fs.String("role", "staff", "admin, staff, kader or dinkes")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from standard input")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *username == "" {
		return errors.New("user add: --username is required")
	}
	role, err := account.ParseRole(*roleName)
	if err != nil {
		return fmt.Errorf("user add: --role: %w", err)
	}
	if !*passwordStdin {
		return errors.New("user add: pass the password on standard input with --password-stdin")
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return fmt.Errorf("user add: read password: %w", err)
	}
	password := strings.TrimRight(string(b), "\r\n")
	hash, err := account.HashPassword(password)
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.CreateUser(ctx, *facility, *username, role, hash); err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "user %s (%s) created\n", *username, role)
	return nil
}

// healthcheck asks the server on ANTRIAN_ADDR whether it is alive, for
// container health checks in images without a shell or curl.
func healthcheck(ctx context.Context, cfg Config) error {
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return fmt.Errorf("ANTRIAN_ADDR: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+port+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz: status %d", resp.StatusCode)
	}
	return nil
}
