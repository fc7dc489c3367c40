package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// CPU accounting answers "where did the machine's time go?" for a run: the
// CPU time the service, PostgreSQL, Redis and this tool each used while the
// load ran, read from /proc. Per booking, against the same per raw insert,
// it shows what bounds the booking/insert ratio on a machine whose cores
// every process shares. It runs only when told the service's pid (the
// service then runs here, as make bench runs it), and it counts only the
// processes of this run: the service and Redis by pid, and PostgreSQL's
// backends of the bench database with the processes of their cluster.

// clockTick is the unit of /proc/*/stat times (USER_HZ), 100 on Linux.
const clockTick = 100

// cpuTargets says which processes to count.
type cpuTargets struct {
	Service, Redis int    // pids; 0: not counted
	DB             string // the database whose backends count ("": none)
}

// cpuSample is the CPU time, in clock ticks, each group has used so far.
type cpuSample map[string]int64

// proc is one process as /proc shows it.
type proc struct {
	pid, ppid int
	comm      string
	ticks     int64
	title     string // PostgreSQL's process title (its cmdline)
}

func readProcs() []proc {
	var ps []proc
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		pid, err := strconv.Atoi(filepath.Base(d))
		if err != nil {
			continue
		}
		b, err := os.ReadFile(d + "/stat")
		if err != nil {
			continue // gone already
		}
		comm, ppid, ticks, ok := parseStat(b)
		if !ok {
			continue
		}
		p := proc{pid: pid, ppid: ppid, comm: comm, ticks: ticks}
		if comm == "postgres" {
			title, _ := os.ReadFile(d + "/cmdline")
			p.title = strings.TrimRight(string(title), "\x00 ")
		}
		ps = append(ps, p)
	}
	return ps
}

// sample reads /proc: the tool itself ("tool"), the service and Redis by
// pid, and PostgreSQL's backends of the database with the processes of
// their server (postmaster, WAL writer, checkpointer...; not another
// database's autovacuum worker). A process that exits between two samples
// takes its time with it, so samples bracket spans in which the
// connections measured stay open.
func (ct cpuTargets) sample() cpuSample {
	s := cpuSample{}
	if ct.Service == 0 {
		return s
	}
	ps := readProcs()
	// The server of the database: the parent of its backends.
	postmaster := 0
	for _, p := range ps {
		if ct.DB != "" && p.comm == "postgres" && backendOf(p.title) == ct.DB {
			postmaster = p.ppid
			break
		}
	}
	self := os.Getpid()
	for _, p := range ps {
		switch {
		case p.pid == self:
			s["tool"] += p.ticks
		case p.pid == ct.Service:
			s["service"] += p.ticks
		case p.pid == ct.Redis:
			s["redis"] += p.ticks
		case postmaster != 0 && (p.pid == postmaster || p.ppid == postmaster) && ours(p.title, ct.DB):
			s["postgres"] += p.ticks
		}
	}
	return s
}

// backendOf returns the database a PostgreSQL backend's process title
// names, "" for the server's own processes. A backend's title is
// "postgres: [<cluster>: ]<user> <database> <client> <state>"; the others
// have no client address ("postgres: 15/main: walwriter").
func backendOf(title string) string {
	rest, ok := strings.CutPrefix(title, "postgres: ")
	if !ok {
		return "" // the postmaster, with its command line
	}
	f := strings.Fields(rest)
	for i := 2; i < len(f); i++ {
		// The client: host(port) or [local].
		if strings.HasSuffix(f[i], ")") && strings.Contains(f[i], "(") || f[i] == "[local]" {
			return f[i-1]
		}
	}
	return ""
}

// ours reports whether a process of the database's server works for db:
// its backends, and the server's own processes except autovacuum workers
// of other databases.
func ours(title, db string) bool {
	if b := backendOf(title); b != "" {
		return b == db
	}
	if _, worker, ok := strings.Cut(title, "autovacuum worker "); ok {
		return strings.Fields(worker + " ")[0] == db
	}
	return true
}

// parseStat returns the command name, parent pid and user+system ticks of
// a /proc/<pid>/stat line. The name is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted from the last ')'.
func parseStat(b []byte) (comm string, ppid int, ticks int64, ok bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, 0, false
	}
	f := strings.Fields(string(b[end+1:]))
	// After the name: state(0) ppid(1) pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12).
	if len(f) < 13 {
		return "", 0, 0, false
	}
	pp, err0 := strconv.Atoi(f[1])
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err0 != nil || err1 != nil || err2 != nil {
		return "", 0, 0, false
	}
	return string(b[open+1 : end]), pp, u + st, true
}

// CPUUse is the CPU time each group used over a span of wall time, in
// seconds.
type CPUUse struct {
	Wall   float64            `json:"wall_s"`
	Groups map[string]float64 `json:"cpu_s"`
}

func cpuUse(a, b cpuSample, wall float64) CPUUse {
	u := CPUUse{Wall: round2(wall), Groups: map[string]float64{}}
	for g, t := range b {
		if d := t - a[g]; d > 0 {
			u.Groups[g] = float64(d) / clockTick
		}
	}
	return u
}

// Total is the CPU seconds of all groups.
func (u CPUUse) Total() float64 {
	var t float64
	for _, v := range u.Groups {
		t += v
	}
	return t
}

// per writes each group's CPU time per operation in microseconds, in a
// stable order, with the total.
func (u CPUUse) per(w io.Writer, ops float64, what string) {
	if ops <= 0 || len(u.Groups) == 0 {
		return
	}
	names := make([]string, 0, len(u.Groups))
	for g := range u.Groups {
		names = append(names, g)
	}
	sort.Slice(names, func(i, j int) bool { return order(names[i]) < order(names[j]) })
	var parts []string
	for _, g := range names {
		if u.Groups[g] >= float64(idleTicks)/clockTick { // a process idle meanwhile is left out of the list
			parts = append(parts, fmt.Sprintf("%s %.0f", g, u.Groups[g]/ops*1e6))
		}
	}
	fmt.Fprintf(w, "  cpu per %s (us): %s; total %.0f (%.1f of %.1f s wall on the machine's cores)\n",
		what, strings.Join(parts, ", "), u.Total()/ops*1e6, u.Total(), u.Wall)
}

// idleTicks is the CPU time, in clock ticks, under which a process counts
// as idle during a span: its background work, not the load's.
const idleTicks = 3

func order(g string) int {
	switch g {
	case "service":
		return 0
	case "postgres":
		return 1
	case "redis":
		return 2
	case "tool":
		return 3
	}
	return 4
}

// databaseName is the database a Postgres URL names, "" if none.
func databaseName(dbURL string) string {
	if dbURL == "" {
		return ""
	}
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return ""
	}
	return cfg.Database
}
