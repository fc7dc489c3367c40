package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/integration"
	"github.com/antrian/antrian/jkn"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
)

// integrations is the wiring of the national systems: the Mobile JKN
// provider service, the hooks that record referrals and enqueue calls to
// BPJS and SATUSEHAT inside queue transactions, and the worker that makes
// those calls.
type integrations struct {
	JKN    *jkn.Service
	Worker *outbox.Worker // nil when this instance does not deliver
}

// setupIntegrations installs the hooks and builds the services. The worker
// runs where the notification worker runs (ANTRIAN_NOTIFY_WORKER): both
// deliver outboxes, and a deployment chooses which instances do that.
func (a *App) setupIntegrations(secret []byte) *integrations {
	hook := &integration.Hook{Log: a.log}
	a.DB.Hooks = append(a.DB.Hooks, postgres.ReferralHook,
		func(ctx context.Context, tx *postgres.Tx, e queue.Event, t queue.Ticket, actor string) error {
			return hook.Event(ctx, tx, e, t, actor)
		})
	in := &integrations{JKN: &jkn.Service{Queue: a.Queue, Store: a.DB, Log: a.log, Now: a.Now,
		Link: func(id string) string { return a.cfg.PublicURL + "/t/" + id }}}
	if !a.cfg.Notify.Worker {
		return in
	}
	client := &http.Client{Timeout: 30 * time.Second}
	// The worker runs on real time: retries are due by the database's
	// clock, whatever time the queue's events carry.
	opts := a.IntegrationOptions
	in.Worker = integration.NewWorker(a.DB.IntegrationOutbox(), map[string]outbox.Sender{
		integration.TargetBPJS:      &integration.BPJSSender{Store: a.DB, HTTP: client},
		integration.TargetSATUSEHAT: &integration.SATUSEHATSender{Store: a.DB, HTTP: client, Secret: secret},
	}, opts, a.log)
	return in
}

// jknCommand configures a facility's Mobile JKN provider service:
//
//	antrian jkn configure --facility F --username U --password-stdin --poli 001=UMUM,002=GIGI
func jknCommand(ctx context.Context, cfg Config, log *slog.Logger, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "configure" {
		return errors.New("jkn: want `jkn configure --facility F --username U --password-stdin --poli 001=UMUM,002=GIGI`")
	}
	fs := flag.NewFlagSet("jkn configure", flag.ContinueOnError)
	fs.SetOutput(stderr)
	facility := fs.String("facility", "", "facility code")
	username := fs.String("username", "", "x-username BPJS will send")
	passwordStdin := fs.Bool("password-stdin", false, "read the x-password from standard input")
	poli := fs.String("poli", "", "PCare poli codes and their units: 001=UMUM,002=GIGI")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *facility == "" || *username == "" {
		return errors.New("jkn configure: --facility and --username are required")
	}
	if !*passwordStdin {
		return errors.New("jkn configure: pass the password on standard input with --password-stdin")
	}
	polis, err := jkn.ParsePoli(*poli)
	if err != nil {
		return fmt.Errorf("jkn configure: --poli: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(stdin, 4096))
	if err != nil {
		return fmt.Errorf("jkn configure: read password: %w", err)
	}
	password := strings.TrimRight(string(b), "\r\n")
	if password == "" {
		return errors.New("jkn configure: the password on standard input is empty")
	}
	db, err := openDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &jkn.Service{Queue: &queue.Service{Store: db, Log: log, Now: time.Now}, Store: db, Log: log, Now: time.Now}
	if err := svc.Configure(ctx, *facility, *username, password, polis); err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return fmt.Errorf("jkn configure: %s", fe.Message)
		}
		return fmt.Errorf("jkn configure: %w", err)
	}
	fmt.Fprintf(stdout, "Mobile JKN configured for %s: user %s, %d poli mapped\n", *facility, *username, len(polis))
	return nil
}
