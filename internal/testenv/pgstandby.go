package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
)

// PostgresPair is a Postgres primary and a streaming replica of it, made
// with pg_basebackup, on loopback ports, owned by one test. Commits wait
// for the replica (synchronous_standby_names = '*'), so a promoted replica
// holds every acknowledged commit.
type PostgresPair struct {
	t                  testing.TB
	dir                string
	cred               *syscall.Credential // the postgres user's, when the test runs as root
	PrimaryPort, Port2 int
}

// NewPostgresPair starts a primary on port and its replica on port+1.
// initdb refuses to run as root; as root the servers run as the
// "postgres" user. It skips (fails in CI) when the server binaries are
// missing.
func NewPostgresPair(t testing.TB, port int) *PostgresPair {
	t.Helper()
	for _, bin := range []string{"initdb", "pg_ctl", "pg_basebackup", "psql"} {
		if pgBin(bin) == "" {
			Unavailable(t, "%s not installed", bin)
		}
	}
	dir, err := os.MkdirTemp("", "antrian-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p := &PostgresPair{t: t, dir: dir, PrimaryPort: port, Port2: port + 1}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			Unavailable(t, "running as root without a postgres user to run the servers as")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		p.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	primary, replica := filepath.Join(dir, "primary"), filepath.Join(dir, "replica")
	p.run("initdb", "-D", primary, "-U", "postgres", "--auth=trust", "--no-sync")
	p.start(primary, p.PrimaryPort)
	t.Cleanup(func() { p.Stop(primary) })
	p.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.PrimaryPort), "-U", "postgres", "-D", replica, "-R", "-X", "stream")
	p.start(replica, p.Port2)
	t.Cleanup(func() { p.Stop(replica) })
	p.run("psql", "-h", "127.0.0.1", "-p", strconv.Itoa(p.PrimaryPort), "-U", "postgres", "-qAt",
		"-c", "ALTER SYSTEM SET synchronous_standby_names = '*'", "-c", "SELECT pg_reload_conf()")
	return p
}

// URL is the multi-host URL of the pair for database name, connecting to
// whichever server accepts writes.
func (p *PostgresPair) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d,127.0.0.1:%d/%s?sslmode=disable&target_session_attrs=read-write",
		p.PrimaryPort, p.Port2, name)
}

// CrashPrimary stops the primary at once, as a machine that lost power.
func (p *PostgresPair) CrashPrimary() { p.Stop(filepath.Join(p.dir, "primary")) }

// Promote makes the replica the primary (pg_ctl promote) and waits until
// it accepts writes.
func (p *PostgresPair) Promote() {
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "replica"), "-w", "promote")
}

// Stop stops the server of data directory d with mode immediate.
func (p *PostgresPair) Stop(d string) {
	cmd := p.cmd("pg_ctl", "-D", d, "-m", "immediate", "-w", "stop")
	cmd.Run() // already stopped is fine
}

func (p *PostgresPair) start(d string, port int) {
	p.run("pg_ctl", "-D", d, "-w", "-l", d+".log", "-o",
		fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off", port, p.dir), "start")
}

// pgBin finds a Postgres program on PATH or, as Debian installs the
// server's, in the newest /usr/lib/postgresql/*/bin; "" when missing.
func pgBin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgVersion(dirs[i]) > pgVersion(dirs[j]) })
	for _, d := range dirs {
		if p := filepath.Join(d, name); fileExists(p) {
			return p
		}
	}
	return ""
}

func pgVersion(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func (p *PostgresPair) cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(pgBin(name), args...)
	cmd.Dir = p.dir
	if p.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: p.cred}
	}
	return cmd
}

func (p *PostgresPair) run(name string, args ...string) {
	p.t.Helper()
	if out, err := p.cmd(name, args...).CombinedOutput(); err != nil {
		p.t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}
