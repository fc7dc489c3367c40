package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"
)

// pgInsertBaseline measures raw single-row inserts a second into Postgres
// with conns connections, each insert its own transaction (as a booking is),
// and the CPU time they took and how many there were.
func pgInsertBaseline(ctx context.Context, dbURL string, conns int, d time.Duration, ct cpuTargets) (float64, CPUUse, int64, error) {
	cfg, err := pgxpool.ParseConfig(dbURL)
	if err != nil {
		return 0, CPUUse{}, 0, err
	}
	cfg.MaxConns = int32(conns)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return 0, CPUUse{}, 0, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS antrian_load_baseline (
		id bigserial PRIMARY KEY, unit text NOT NULL, number integer NOT NULL, name text NOT NULL, at timestamptz NOT NULL)`); err != nil {
		return 0, CPUUse{}, 0, err
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS antrian_load_baseline`)
	// Open every connection first: the CPU sample must not count their
	// start-up, and a backend that exits would take its time with it.
	held := make([]*pgxpool.Conn, 0, conns)
	var acquireErr error
	for range conns {
		c, err := pool.Acquire(ctx)
		if err != nil {
			acquireErr = err
			break
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Release() // before any return: the deferred DROP needs a connection
	}
	if acquireErr != nil {
		return 0, CPUUse{}, 0, fmt.Errorf("open %d connections: %w", conns, acquireErr)
	}
	before, t0 := ct.sample(), time.Now()
	n, rate, err := hammer(ctx, conns, d, func(ctx context.Context, i int64) error {
		_, err := pool.Exec(ctx, `INSERT INTO antrian_load_baseline (unit, number, name, at) VALUES ($1, $2, $3, now())`,
			"UMUM", i, "Pasien")
		return err
	})
	return rate, cpuUse(before, ct.sample(), time.Since(t0).Seconds()), n, err
}

// echoBaseline measures an empty echo/v4 handler's requests a second over
// loopback HTTP with conns concurrent clients.
func echoBaseline(ctx context.Context, conns int, d time.Duration) (float64, error) {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.POST("/", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &http.Server{Handler: e}
	go srv.Serve(ln)
	defer srv.Close()
	client := newAPI("http://"+ln.Addr().String(), conns+2)
	_, rate, err := hammer(ctx, conns, d, func(ctx context.Context, i int64) error {
		st, _, err := client.do(ctx, "POST", "/", map[string]int64{"i": i}, nil, nil)
		if err == nil && st != http.StatusNoContent {
			err = errors.New(http.StatusText(st))
		}
		return err
	})
	return rate, err
}

// hammer runs op from conns goroutines for d and returns how many
// succeeded and how many a second.
func hammer(ctx context.Context, conns int, d time.Duration, op func(context.Context, int64) error) (int64, float64, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var n, done atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := n.Add(1)
				err := op(ctx, i)
				if err == nil {
					done.Add(1)
				} else if ctx.Err() == nil {
					once.Do(func() { firstErr = err })
					return
				}
			}
		}()
	}
	wg.Wait()
	return done.Load(), float64(done.Load()) / time.Since(start).Seconds(), firstErr
}
