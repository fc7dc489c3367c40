// Package postgres keeps the durable history of antrian in PostgreSQL with
// pgx/v5: the pool, a transaction helper, embedded numbered migrations, and
// the queries behind the queue and staff accounts.
package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLock is the advisory lock key held while migrations run, so that
// several instances may start at once.
const migrationLock = 7261_2026

// defaultMaxConns is the pool size unless DATABASE_URL sets pool_max_conns.
const defaultMaxConns = 32

// DB is the Postgres store.
type DB struct {
	Pool *pgxpool.Pool
	Now  func() time.Time
	// Hooks run inside every queue transaction for each event, in order.
	Hooks []EventHook
	// BookWindow is how long a booking that arrives alone waits for others
	// to share its transaction (group commit, see Book); 0 commits it at
	// once. Open sets a millisecond.
	BookWindow time.Duration

	books bookQueue

	replica *DB // OpenReplica's read-only view; nil = reports read from db
}

// Open connects to the database at url, creating the database first if it
// does not exist, and checks that it answers. It does not migrate.
//
// url may name several hosts (postgres://a:5432,b:5432/antrian) with
// target_session_attrs=read-write: pgx then connects to whichever is the
// primary. After a primary switch the pool drops the connections that
// fail and opens new ones to the new primary; the operations that were
// using a broken connection fail once (fault.ErrUnavailable).
func Open(ctx context.Context, url string) (*DB, error) {
	pool, err := connect(ctx, url, "DATABASE_URL")
	if err != nil {
		return nil, err
	}
	return &DB{Pool: pool, Now: time.Now, BookWindow: defaultBookWindow}, nil
}

// connect opens and checks a pool on url (the setting named name).
func connect(ctx context.Context, url, name string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		// pgx's default (the number of CPUs, at least 4) queues requests
		// behind a handful of connections while each waits on the network
		// and on commit; a queue service is I/O-bound. Set pool_max_conns in
		// the URL to change it.
		cfg.MaxConns = defaultMaxConns
	}
	// An idle connection is pinged before use when it has rested a second
	// (pgxpool's default), and checked every 15 s in the background, so
	// that connections to a primary that went away are replaced soon.
	cfg.HealthCheckPeriod = 15 * time.Second
	if name == "DATABASE_URL" {
		if err := ensureDatabase(ctx, cfg.ConnConfig); err != nil {
			return nil, err
		}
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to postgres (%s): %w", name, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to postgres (%s): %w", name, err)
	}
	return pool, nil
}

// OpenReplica connects the pool that Reports reads from: a streaming
// replica (or several hosts with target_session_attrs=prefer-standby) at
// url. The database must exist there already; nothing is written to it.
func (db *DB) OpenReplica(ctx context.Context, url string) error {
	pool, err := connect(ctx, url, "DATABASE_REPLICA_URL")
	if err != nil {
		return err
	}
	db.replica = &DB{Pool: pool} // reads only: no hooks, no bookings
	return nil
}

// Reports is the store that district reports, exports and analytics read
// from: a view of db on the replica pool when OpenReplica was called, else
// db itself. Only reads go through it, never the queue, and only reads
// that can stand the replica's lag of a moment (not a read of a row just
// written).
func (db *DB) Reports() *DB {
	if db.replica == nil {
		return db
	}
	return db.replica
}

// Close closes the pools.
func (db *DB) Close() {
	db.Pool.Close()
	if db.replica != nil {
		db.replica.Pool.Close()
	}
}

// ensureDatabase creates the configured database when it is missing, by
// connecting to the server's "postgres" database.
func ensureDatabase(ctx context.Context, cc *pgx.ConnConfig) error {
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err == nil {
		return conn.Close(ctx)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" { // invalid_catalog_name
		return fmt.Errorf("connect to postgres: %w", err)
	}
	admin := cc.Copy()
	admin.Database = "postgres"
	conn, err = pgx.ConnectConfig(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to postgres to create database %q: %w", cc.Database, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{cc.Database}.Sanitize())
	if err != nil && !isCode(err, "42P04") { // duplicate_database: another instance won
		return fmt.Errorf("create database %q: %w", cc.Database, err)
	}
	return nil
}

// CreateDatabase creates an empty database called name on the server at
// serverURL (a URL of any database there, such as .../postgres) and
// returns the URL of the new database. Test suites use it to get a
// database of their own. It returns an error wrapping
// fault.ErrUnavailable when the server cannot be reached, and one
// wrapping fault.ErrConflict when the database exists.
func CreateDatabase(ctx context.Context, serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("create database %q: server URL: %w", name, err)
	}
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return "", interpret("create database "+name, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		if isCode(err, "42P04") { // duplicate_database
			return "", fmt.Errorf("create database %q: %w: %w", name, fault.ErrConflict, err)
		}
		return "", interpret("create database "+name, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDatabase drops the database called name on the server at serverURL,
// ending its sessions first. A database that does not exist is no error.
// It returns an error wrapping fault.ErrUnavailable when the server cannot
// be reached.
func DropDatabase(ctx context.Context, serverURL, name string) error {
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		return interpret("drop database "+name, err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	return interpret("drop database "+name, err)
}

// Migrate applies every embedded migration that has not been applied yet, in
// order, each in its own transaction, under an advisory lock.
func (db *DB) Migrate(ctx context.Context, log *slog.Logger) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rows, _ := conn.Query(ctx, "SELECT version FROM schema_migrations")
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	done := map[int]bool{}
	for _, v := range applied {
		done[int(v)] = true
	}
	files, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		name := strings.TrimPrefix(f, "migrations/")
		version, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("migrate: bad file name %q", name)
		}
		if done[version] {
			continue
		}
		sql, err := migrations.ReadFile(f)
		if err != nil {
			return err
		}
		err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, string(sql)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", version, name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", name, err)
		}
		log.Info("migration applied", "version", version, "name", name)
	}
	return nil
}

// Secret returns the deployment's secret key, used to derive ticket tokens
// and the keyed hashes of personal data. It is created at random the first
// time and shared by every instance through the database. A non-empty
// override (from configuration) wins.
func (db *DB) Secret(ctx context.Context, override []byte) ([]byte, error) {
	if len(override) > 0 {
		return override, nil
	}
	key, err := db.EnsureSetting(ctx, "secret", func() ([]byte, error) {
		k := make([]byte, 32)
		rand.Read(k)
		return k, nil
	})
	return key, err
}

// EnsureSetting returns the deployment-wide setting key, creating it with
// create the first time. Instances starting together agree on one value.
func (db *DB) EnsureSetting(ctx context.Context, key string, create func() ([]byte, error)) ([]byte, error) {
	var v []byte
	err := db.Pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	if v, err = create(); err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, key, v); err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	if err := db.Pool.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}

// inTx runs fn in a transaction, committing when fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, fn)
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }
