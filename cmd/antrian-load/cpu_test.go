package main

import (
	"bytes"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line  string
		comm  string
		ppid  int
		ticks int64
		ok    bool
	}{
		{"812 (postgres) S 1 812 812 0 -1 4194560 2010 0 0 0 157 43 0 0 20 0 1 0 1722 229031936", "postgres", 1, 200, true},
		// A name may hold spaces and parentheses: fields count from the last ')'.
		{"9 (a (b) c) R 7 9 9 0 -1 0 0 0 0 0 7 5 0 0 20 0 1 0 1 1", "a (b) c", 7, 12, true},
		{"9 (short) R 1 9", "", 0, 0, false},
		{"garbage", "", 0, 0, false},
		{"9 (x) R 1 9 9 0 -1 0 0 0 0 0 seven 5 0 0", "", 0, 0, false},
	} {
		comm, ppid, ticks, ok := parseStat([]byte(c.line))
		if comm != c.comm || ppid != c.ppid || ticks != c.ticks || ok != c.ok {
			t.Errorf("parseStat(%q) = %q, %d, %d, %v; want %q, %d, %d, %v", c.line, comm, ppid, ticks, ok, c.comm, c.ppid, c.ticks, c.ok)
		}
	}
}

// cpuTime is the CPU time this process has used, from getrusage.
func cpuTime(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestSampleCPUCountsTheTool(t *testing.T) {
	ct := cpuTargets{Service: os.Getpid()} // the tool counts itself as "tool" first
	before, used0 := ct.sample(), cpuTime(t)
	// Burn 200 ms of CPU (not of wall time: a busy machine may not run us).
	x := 0
	for cpuTime(t)-used0 < 200*time.Millisecond {
		x++
	}
	used := cpuTime(t) - used0
	u := cpuUse(before, ct.sample(), 0)
	// /proc counts in 10 ms ticks; allow two either way, and the samples' own work.
	if got := time.Duration(u.Groups["tool"] * float64(time.Second)); got < used-20*time.Millisecond || got > used+100*time.Millisecond {
		t.Fatalf("the tool's CPU by /proc: %v; by getrusage: %v (x=%d)", got, used, x)
	}
	if len(cpuTargets{}.sample()) != 0 {
		t.Error("without the service's pid nothing is counted")
	}
}

func TestCPUPer(t *testing.T) {
	u := CPUUse{Wall: 2, Groups: map[string]float64{"tool": 0.5, "postgres": 1, "service": 1.5, "redis": 0.02}}
	var b bytes.Buffer
	u.per(&b, 1000, "booking")
	// Redis, idle meanwhile (two ticks), is left out of the list but not the total.
	want := "  cpu per booking (us): service 1500, postgres 1000, tool 500; total 3020 (3.0 of 2.0 s wall on the machine's cores)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	u.per(&b, 0, "booking")
	if strings.TrimSpace(b.String()) != "" {
		t.Errorf("no operations: got %q, want nothing", b.String())
	}
}

func TestPostgresProcesses(t *testing.T) {
	for _, c := range []struct {
		title string
		ours  bool
	}{
		{"postgres: 15/main: root antrian_bench_1 127.0.0.1(37536) idle", true},
		{"postgres: 15/main: root antrian_test_9 127.0.0.1(37536) idle in transaction", false},
		{"postgres: root antrian_bench_1 [local] idle", true},
		{"postgres: root other [local] INSERT", false},
		// The server's own processes work for every database: counted.
		{"postgres: 15/main: walwriter", true},
		{"postgres: 15/main: checkpointer", true},
		{"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main", true},
		// An autovacuum worker works for one database.
		{"postgres: 15/main: autovacuum worker antrian_bench_1", true},
		{"postgres: 15/main: autovacuum worker antrian_test_9", false},
	} {
		if got := ours(c.title, "antrian_bench_1"); got != c.ours {
			t.Errorf("ours(%q) = %v, want %v", c.title, got, c.ours)
		}
	}
	if databaseName("postgres://root@127.0.0.1:5432/antrian_bench_1?sslmode=disable") != "antrian_bench_1" {
		t.Error("databaseName of a URL")
	}
}
