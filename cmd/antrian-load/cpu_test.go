package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestParseStat(t *testing.T) {
	for _, c := range []struct {
		line  string
		comm  string
		ticks int64
		ok    bool
	}{
		{"812 (postgres) S 1 812 812 0 -1 4194560 2010 0 0 0 157 43 0 0 20 0 1 0 1722 229031936", "postgres", 200, true},
		// A name may hold spaces and parentheses: fields count from the last ')'.
		{"9 (a (b) c) R 1 9 9 0 -1 0 0 0 0 0 7 5 0 0 20 0 1 0 1 1", "a (b) c", 12, true},
		{"9 (short) R 1 9", "", 0, false},
		{"garbage", "", 0, false},
		{"9 (x) R 1 9 9 0 -1 0 0 0 0 0 seven 5 0 0", "", 0, false},
	} {
		comm, ticks, ok := parseStat([]byte(c.line))
		if comm != c.comm || ticks != c.ticks || ok != c.ok {
			t.Errorf("parseStat(%q) = %q, %d, %v; want %q, %d, %v", c.line, comm, ticks, ok, c.comm, c.ticks, c.ok)
		}
	}
}

func TestSampleCPUCountsTheTool(t *testing.T) {
	before := sampleCPU("")
	// Burn about 150 ms of CPU: more than a 10 ms clock tick many times over.
	deadline := time.Now().Add(150 * time.Millisecond)
	x := 0
	for time.Now().Before(deadline) {
		x++
	}
	u := cpuUse(before, sampleCPU(""), 0.15)
	if u.Groups["tool"] < 0.05 {
		t.Fatalf("the tool's own CPU over a busy 150 ms: %v s (x=%d)", u.Groups["tool"], x)
	}
}

func TestCPUPer(t *testing.T) {
	u := CPUUse{Wall: 2, Groups: map[string]float64{"tool": 0.5, "postgres": 1, "service": 1.5, "redis": 0.0001}}
	var b bytes.Buffer
	u.per(&b, 1000, "booking")
	// Redis, idle meanwhile (0.1 us a booking), is left out of the list but not the total.
	want := "  cpu per booking (us): service 1500, postgres 1000, tool 500; total 3000 (3.0 of 2.0 s wall on the machine's cores)\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	u.per(&b, 0, "booking")
	if strings.TrimSpace(b.String()) != "" {
		t.Errorf("no operations: got %q, want nothing", b.String())
	}
}

func TestOtherDatabase(t *testing.T) {
	for _, c := range []struct {
		title string
		other bool
	}{
		{"postgres: 15/main: root antrian_bench_1 127.0.0.1(37536) idle\x00", false},
		{"postgres: 15/main: root antrian_test_9 127.0.0.1(37536) idle in transaction\x00", true},
		{"postgres: root antrian_bench_1 [local] idle", false},
		{"postgres: root other [local] INSERT", true},
		// The server's own processes are shared by every database: counted.
		{"postgres: 15/main: walwriter ", false},
		{"postgres: 15/main: checkpointer ", false},
		{"/usr/lib/postgresql/15/bin/postgres\x00-D\x00/var/lib/postgresql/15/main\x00", false},
	} {
		if got := otherDatabase(c.title, "antrian_bench_1"); got != c.other {
			t.Errorf("otherDatabase(%q) = %v, want %v", c.title, got, c.other)
		}
	}
	if databaseName("postgres://root@127.0.0.1:5432/antrian_bench_1?sslmode=disable") != "antrian_bench_1" {
		t.Error("databaseName of a URL")
	}
}
