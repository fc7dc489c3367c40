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
// every process shares. It works when the service and its databases run on
// this machine (as make bench runs them) and reads nothing elsewhere.

// clockTick is the unit of /proc/*/stat times (USER_HZ), 100 on Linux.
const clockTick = 100

// cpuGroups names the processes the report separates, by their comm.
var cpuGroups = map[string]string{
	"antrian":      "service",
	"postgres":     "postgres",
	"redis-server": "redis",
}

// cpuSample is the CPU time, in clock ticks, each group has used so far.
type cpuSample map[string]int64

// sampleCPU reads /proc. The tool itself is "tool"; processes of other
// names are left out, and so are PostgreSQL backends serving a database
// other than db (when db is not empty): other work on the same server is
// not the load's. The server's own processes (WAL writer, checkpointer...)
// count. A process that exits between two samples takes its time with it,
// so samples bracket spans in which the connections measured stay open.
func sampleCPU(db string) cpuSample {
	s := cpuSample{}
	self := os.Getpid()
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
		comm, ticks, ok := parseStat(b)
		if !ok {
			continue
		}
		if pid == self {
			s["tool"] += ticks
			continue
		}
		g, ok := cpuGroups[comm]
		if !ok {
			continue
		}
		if g == "postgres" && db != "" {
			title, _ := os.ReadFile(d + "/cmdline")
			if otherDatabase(string(title), db) {
				continue
			}
		}
		s[g] += ticks
	}
	return s
}

// otherDatabase reports whether a PostgreSQL process title names a backend
// of a database other than db. A backend's title is "postgres: <cluster>:
// <user> <database> <client> <state>" (the cluster part only on some
// systems); the server's own processes have titles without a client
// address, such as "postgres: 15/main: walwriter".
func otherDatabase(title, db string) bool {
	title = strings.TrimRight(title, "\x00 ")
	rest, ok := strings.CutPrefix(title, "postgres: ")
	if !ok {
		return false // the postmaster, with its command line
	}
	f := strings.Fields(rest)
	for i := 2; i < len(f); i++ {
		// The client: host(port) or [local].
		if strings.HasSuffix(f[i], ")") && strings.Contains(f[i], "(") || f[i] == "[local]" {
			return f[i-1] != db
		}
	}
	return false
}

// parseStat returns the command name and user+system ticks of a
// /proc/<pid>/stat line. The name is in parentheses and may itself hold
// spaces and parentheses, so the fields are counted from the last ')'.
func parseStat(b []byte) (comm string, ticks int64, ok bool) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return "", 0, false
	}
	f := strings.Fields(string(b[end+1:]))
	// After the name: state(0) ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime(11) stime(12).
	if len(f) < 13 {
		return "", 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return "", 0, false
	}
	return string(b[open+1 : end]), u + st, true
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
		if us := u.Groups[g] / ops * 1e6; us >= 0.5 { // a process idle meanwhile (a tick or two) is left out
			parts = append(parts, fmt.Sprintf("%s %.0f", g, us))
		}
	}
	fmt.Fprintf(w, "  cpu per %s (us): %s; total %.0f (%.1f of %.1f s wall on the machine's cores)\n",
		what, strings.Join(parts, ", "), u.Total()/ops*1e6, u.Total(), u.Wall)
}

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
