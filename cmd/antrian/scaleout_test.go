package main

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/gorilla/websocket"
)

// The fixed loopback ports of the replicated Redis sets the tests start
// (7100-7199 and 26400-26499 are kept for them).
const (
	clusterPort      = 7100  // 7100-7105: 3 masters, 3 replicas
	sentinelDataPort = 7110  // 7110-7112: a master and two replicas
	sentinelPort     = 26400 // 26400-26402: three sentinels
)

// announcements counts the calls a TV announces: the "called" messages
// (not recalls) one display socket receives, per ticket code.
type announcements struct {
	mu        sync.Mutex
	calls     map[string]int
	snapshots int
	done      chan struct{}
}

// watchCalls holds a display socket of every unit of sobo on app and
// counts what it announces until the test ends.
func watchCalls(t *testing.T, app *App) *announcements {
	t.Helper()
	conn := dialWS(t, app, "/ws/display?facility=sobo&name=tv-failover")
	a := &announcements{calls: map[string]int{}, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		for {
			_, raw, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var m wsMsg
			if json.Unmarshal(raw, &m) != nil {
				continue
			}
			a.mu.Lock()
			switch {
			case m.Type == "snapshot":
				a.snapshots++
			case m.Type == "called" && !m.Recall:
				a.calls[m.ServiceDate+"/"+m.Code]++
			}
			a.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		conn.Close()
		<-a.done
	})
	return a
}

// check waits until the screen announced want distinct calls, then
// asserts that it announced none twice.
func (a *announcements) check(t *testing.T, want int) {
	t.Helper()
	var got int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		a.mu.Lock()
		got = len(a.calls)
		a.mu.Unlock()
		if got >= want {
			break
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if got != want {
		t.Errorf("the screen announced %d calls, Postgres holds %d (snapshots %d)", got, want, a.snapshots)
	}
	for code, n := range a.calls {
		if n != 1 {
			t.Errorf("the screen announced %s %d times, want once", code, n)
		}
	}
}

// A Redis failover in the middle of bookings and calls from two instances
// loses no ticket, reuses no number, calls no ticket twice and announces
// no call twice; the instances notice the new master and rebuild the live
// queues from Postgres.
func TestRedisFailoverDuringTraffic(t *testing.T) {
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) (vars map[string]string, failover func())
	}{
		{"sentinel", func(t *testing.T) (map[string]string, func()) {
			s := testenv.NewRedisSentinel(t, sentinelDataPort, sentinelPort)
			return map[string]string{"REDIS_SENTINEL_ADDRS": strings.Join(s.SentinelAddrs(), ","), "REDIS_SENTINEL_MASTER": s.Master},
				func() {
					from, to := s.Failover(t)
					t.Logf("sentinel failover from %s to %s", from, to)
				}
		}},
		{"cluster", func(t *testing.T) (map[string]string, func()) {
			c := testenv.NewRedisCluster(t, clusterPort, 3)
			return map[string]string{"REDIS_CLUSTER_ADDRS": strings.Join(c.Addrs(), ",")}, func() { c.KillMaster(t) }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars, failover := tc.start(t)
			e := newEnv(t, backend{name: tc.name})
			e.vars = vars
			apps := []*App{e.start()}
			e.seed(apps[0])
			apps = append(apps, e.start())
			screen := watchCalls(t, apps[1])
			pub, staff := publicClients(t, apps...), staffClients(t, apps...)
			tr := underTraffic(pub, staff, func() {
				time.Sleep(500 * time.Millisecond)
				failover()
				time.Sleep(1500 * time.Millisecond) // every instance checks the masters each second
			})
			checkAfterTraffic(t, apps, staff, tr)
			screen.check(t, dbCount(t, apps[0], `SELECT count(*) FROM tickets WHERE status = 'called'`))
			// Each instance checks the masters once a second, but an
			// instance learns of a Sentinel promotion only when its
			// client has followed the switch, which can take a few
			// seconds on a busy machine.
			var got int
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
				if got = strings.Count(e.logs.String(), "live queues rebuilt from Postgres"); got >= len(apps) {
					break
				}
			}
			if got < len(apps) {
				t.Errorf("%d instances rebuilt the live queues after the failover, want %d", got, len(apps))
			}
		})
	}
}

// The Redis settings name one way to reach Redis; conflicting or
// incomplete ones stop the service with the variable at fault.
func TestRedisConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		vars map[string]string
		want redisTopology
		err  string // "" = valid
	}{
		{"embedded", nil, redisSingle, ""},
		{"url", map[string]string{"REDIS_URL": "redis://127.0.0.1:6379/0"}, redisSingle, ""},
		{"sentinel", map[string]string{"REDIS_SENTINEL_ADDRS": "10.0.0.1:26379, 10.0.0.2:26379", "REDIS_SENTINEL_MASTER": "antrian",
			"REDIS_PASSWORD": "x"}, redisSentinel, ""},
		{"cluster", map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.1:7000,10.0.0.2:7000"}, redisCluster, ""},
		{"url and cluster", map[string]string{"REDIS_URL": "redis://x:6379", "REDIS_CLUSTER_ADDRS": "10.0.0.1:7000"}, 0,
			"REDIS_CLUSTER_ADDRS: set only one of REDIS_URL, REDIS_SENTINEL_ADDRS and REDIS_CLUSTER_ADDRS (got REDIS_CLUSTER_ADDRS and REDIS_URL)"},
		{"sentinel and cluster", map[string]string{"REDIS_SENTINEL_ADDRS": "a:1", "REDIS_SENTINEL_MASTER": "m", "REDIS_CLUSTER_ADDRS": "b:2"}, 0,
			"set only one of"},
		{"sentinel without master", map[string]string{"REDIS_SENTINEL_ADDRS": "a:1"}, 0, "REDIS_SENTINEL_MASTER: set both"},
		{"master without sentinels", map[string]string{"REDIS_SENTINEL_MASTER": "m"}, 0, "REDIS_SENTINEL_MASTER: set both"},
		{"address without port", map[string]string{"REDIS_CLUSTER_ADDRS": "10.0.0.1"}, 0, "REDIS_CLUSTER_ADDRS: want host:port"},
		{"password beside url", map[string]string{"REDIS_URL": "redis://x:6379", "REDIS_PASSWORD": "p"}, 0, "REDIS_PASSWORD: with REDIS_URL"},
		{"replica url", map[string]string{"DATABASE_REPLICA_URL": "mysql://r"}, 0, "DATABASE_REPLICA_URL: want postgres://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tc.vars[k] })
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("got error %v, want one containing %q", err, tc.err)
			case tc.err == "" && cfg.topology() != tc.want:
				t.Errorf("topology %s, want %s", cfg.topology(), tc.want)
			}
		})
	}
}
