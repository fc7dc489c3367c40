package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/display"
	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/postgres"
	"github.com/antrian/antrian/queue"
	"github.com/antrian/antrian/ratelimit"
	"github.com/antrian/antrian/web"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// App is a running service instance: its connections, background loops and
// HTTP server. main and the end-to-end tests both start it this way.
type App struct {
	cfg Config
	log *slog.Logger

	DB      *postgres.DB
	Redis   redis.UniversalClient
	mini    *miniredis.Miniredis
	Queue   *queue.Service
	Hub     *display.Hub
	BTS     *bts.Service
	Notify  *notifier
	Web     *web.Server
	server  *http.Server
	ln      net.Listener
	debug   *http.Server // ANTRIAN_DEBUG_ADDR; nil when off
	debugLn net.Listener
	cancel  context.CancelFunc
	group   *errgroup.Group
	Now     func() time.Time
	started bool

	// Integrations is Mobile JKN, BPJS and SATUSEHAT; IntegrationOptions
	// tune its worker (tests shorten the backoff).
	Integrations       *integrations
	IntegrationOptions outbox.Options

	// stopping is set when Close begins; failed is closed, and failure
	// set, when a part fails while the service runs (see part).
	stopping atomic.Bool
	failOnce sync.Once
	failed   chan struct{}
	failure  error
}

// NewApp returns an App that Start will bring up.
func NewApp(cfg Config, log *slog.Logger) *App {
	return &App{cfg: cfg, log: log, Now: time.Now}
}

// Start connects to Postgres (creating and migrating the database) and
// Redis (or starts the embedded one), and starts serving HTTP.
func (a *App) Start(ctx context.Context) (err error) {
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.DB, err = openDB(ctx, a.cfg, a.log); err != nil {
		return err
	}
	a.DB.Now = a.Now
	secret, err := a.DB.Secret(ctx, a.cfg.Secret)
	if err != nil {
		return err
	}
	if a.cfg.RedisURL == "" && a.cfg.topology() == redisSingle {
		a.mini = miniredis.NewMiniRedis()
		if err := a.mini.StartAddr("127.0.0.1:0"); err != nil {
			return fmt.Errorf("embedded redis: %w", err)
		}
		a.Redis = redis.NewClient(&redis.Options{Addr: a.mini.Addr()})
		a.log.Info("using the embedded in-process Redis (REDIS_URL is empty)")
	} else if a.Redis, err = newRedis(a.cfg); err != nil {
		return err
	}
	if err := a.Redis.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("connect to redis: %w", err)
	}
	a.Queue = &queue.Service{
		Store:  a.DB,
		Live:   queue.NewLive(a.Redis, a.cfg.RedisPrefix),
		Log:    a.log,
		Now:    a.Now,
		Secret: secret,
	}
	a.Hub = display.NewHub(a.Redis, a.DB, a.Queue, display.Options{Prefix: a.cfg.RedisPrefix, Now: a.Now, Log: a.log,
		Sharded: a.cfg.topology() == redisCluster})
	a.Queue.Publisher = a.Hub
	if a.Notify, err = a.setupNotify(ctx); err != nil {
		return err
	}
	a.Integrations = a.setupIntegrations(secret)
	a.BTS = &bts.Service{Store: a.DB, Reports: a.DB.Reports(), Now: a.Now}
	if a.BTS.Photos, a.BTS.PhotoLinks, err = a.photoStore(ctx); err != nil {
		return err
	}
	limiter := ratelimit.New(a.Redis, a.cfg.RedisPrefix, a.Now)
	srv, err := web.New(web.Config{SecureCookies: a.cfg.SecureCookies, TrustProxyHeader: a.cfg.TrustProxyHeader,
		TrustedProxies: a.cfg.TrustedProxies, RateBookingPerAddr: a.cfg.RatePerAddr, RateBookingPerPerson: a.cfg.RatePerPerson,
	}, web.Deps{
		Queue: a.Queue, DB: a.DB, Hub: a.Hub, Log: a.log, Now: a.Now, VAPIDPublicKey: a.Notify.VAPIDPublic,
		Limiter:  limiter,
		JKN:      a.Integrations.JKN,
		BTS:      a.BTS,
		WhatsApp: a.whatsApp(limiter),
		NotifyStats: func() outbox.Stats {
			if a.Notify.Worker == nil {
				return outbox.Stats{}
			}
			return a.Notify.Worker.Stats()
		},
		Ready: func(ctx context.Context) error {
			if err := a.DB.Ping(ctx); err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
			if err := a.Redis.Ping(ctx).Err(); err != nil {
				return fmt.Errorf("redis: %w", err)
			}
			return nil
		},
	})
	if err != nil {
		return err
	}
	a.Web = srv
	// Before any request: the hooks are not locked.
	a.DB.Hooks = append(a.DB.Hooks, func(_ context.Context, _ *postgres.Tx, e queue.Event, t queue.Ticket, _ string) error {
		srv.CountEvent(e, t) // never fails the change
		return nil
	})
	a.ln, err = net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("ANTRIAN_ADDR %s: %w", a.cfg.Addr, err)
	}
	a.server = &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	if a.cfg.DebugAddr != "" {
		if a.debugLn, err = net.Listen("tcp", a.cfg.DebugAddr); err != nil {
			a.ln.Close()
			return fmt.Errorf("ANTRIAN_DEBUG_ADDR %s: %w", a.cfg.DebugAddr, err)
		}
		a.debug = &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 10 * time.Second}
	}
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	a.failed = make(chan struct{})
	a.group, runCtx = errgroup.WithContext(runCtx)
	a.part(runCtx, "http server", true, func(context.Context) error { return serve(a.server, a.ln) })
	if a.debug != nil {
		a.log.Info("profiler listening", "addr", a.debugLn.Addr().String())
		a.part(runCtx, "profiler", true, func(context.Context) error { return serve(a.debug, a.debugLn) })
	}
	a.part(runCtx, "live queue reconciler", true, func(ctx context.Context) error {
		// Warm every unit's live queue at start-up; operations that come
		// first rebuild their own unit on demand.
		if n, err := a.Queue.RebuildAll(ctx); err != nil {
			a.log.Warn("warming the live queues failed; units rebuild on demand", "err", err)
		} else if n > 0 {
			a.log.Info("live queues rebuilt at start-up", "units", n)
		}
		return a.Queue.RunReconciler(ctx, a.cfg.ReconcileInterval)
	})
	a.part(runCtx, "no-show marker", false, func(ctx context.Context) error {
		return a.Queue.RunNoShows(ctx, time.Minute)
	})
	a.part(runCtx, "retention", false, a.runRetention) // ends at once when retention is off
	a.part(runCtx, "display hub", true, a.Hub.Run)     // ends by closing sockets with 1001 going away
	if a.Notify.Worker != nil {
		a.part(runCtx, "patient message worker", true, a.Notify.Worker.Run)
	}
	if a.Integrations.Worker != nil {
		a.part(runCtx, "integration worker", true, a.Integrations.Worker.Run)
	}
	a.started = true
	return nil
}

// photoStore returns where BTS photos are kept: the bucket when one is
// configured, else ANTRIAN_PHOTO_DIR; and the maker of presigned links
// when photos are to be fetched from the bucket directly. A bucket that
// does not answer at start is logged, not fatal: the queue does not need
// it, and photo uploads fail (and report it) until it is back.
func (a *App) photoStore(ctx context.Context) (bts.Photos, bts.PhotoLinks, error) {
	if a.cfg.PhotoS3 == nil {
		return photo.Store{Dir: a.cfg.PhotoDir}, nil, nil
	}
	c := *a.cfg.PhotoS3
	s, err := photo.NewS3Store(c)
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.EnsureBucket(ctx); err != nil {
		a.log.Warn("the photo bucket does not answer; BTS photo uploads fail until it does", "endpoint", c.Endpoint, "bucket", c.Bucket, "err", err)
	}
	a.log.Info("BTS photos are kept in a bucket", "endpoint", c.Endpoint, "bucket", c.Bucket, "link_ttl", c.LinkTTL)
	if s.Links() {
		return s, s, nil
	}
	return s, nil, nil
}

// part runs one of the service's long-running parts under the App's group.
// A part that fails, or an essential one that returns, while the service is
// not stopping is a failure of the whole service: the group's context is
// cancelled (the other parts stop) and Wait reports it.
func (a *App) part(ctx context.Context, name string, essential bool, run func(context.Context) error) {
	a.group.Go(func() error {
		err := run(ctx)
		if a.stopping.Load() {
			return nil // whatever it returned is the shutdown's doing
		}
		if err == nil && !essential {
			return nil
		}
		if err == nil {
			err = errors.New("returned while the service was running")
		}
		err = fmt.Errorf("%s stopped: %w", name, err)
		a.failOnce.Do(func() {
			a.failure = err
			close(a.failed)
		})
		return err
	})
}

func serve(s *http.Server, ln net.Listener) error {
	if err := s.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Wait blocks until ctx is done (a signal) or a part of the service fails,
// then closes the App. It returns nil after a requested stop and the part's
// error after a failure, which it also logs, so that the process exits
// non-zero and its supervisor starts it again instead of leaving HTTP
// serving with half of the service gone.
func (a *App) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return a.Close()
	case <-a.failed:
	}
	a.log.Error("a part of the service failed; stopping so that it is restarted", "err", a.failure)
	a.Close()
	return a.failure
}

// Addr is the address the server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// DebugURL is the base URL of the profiler, or "" when it is off.
func (a *App) DebugURL() string {
	if a.debugLn == nil {
		return ""
	}
	return "http://" + a.debugLn.Addr().String()
}

// URL is the base URL of the server.
func (a *App) URL() string { return "http://" + a.Addr() }

// Close drains HTTP, stops the background loops and closes connections.
func (a *App) Close() error {
	var err error
	if a.started {
		a.stopping.Store(true)
		ctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
		err = a.server.Shutdown(ctx)
		if a.debug != nil {
			a.debug.Close()
		}
		cancel()
		a.cancel()
		if gerr := a.group.Wait(); err == nil {
			err = gerr
		}
		a.started = false
	}
	if a.Redis != nil {
		a.Redis.Close()
	}
	if a.mini != nil {
		a.mini.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
	return err
}
