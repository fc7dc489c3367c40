package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/internal/testenv"
	"github.com/gorilla/websocket"
)

// The district deployment's proxy (deploy/district/haproxy/haproxy.cfg),
// run for real in front of two instances. Its loopback ports.
const (
	haproxyBind  = "127.0.0.1:18350"
	haproxyStats = "127.0.0.1:18351"
)

// startHAProxy runs the district's HAProxy configuration in the foreground
// with the instances at apps, until the test ends, and returns when it
// sees them up; wait waits for that again.
func startHAProxy(t *testing.T, apps ...string) (wait func()) {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		testenv.Unavailable(t, "haproxy is not installed: run scripts/test-deps.sh")
	}
	cmd := exec.Command(bin, "-db", "-f", "../../deploy/district/haproxy/haproxy.cfg")
	cmd.Env = append(os.Environ(), "HAPROXY_BIND="+haproxyBind, "HAPROXY_STATS="+haproxyStats,
		"APP1_ADDR="+apps[0], "APP2_ADDR="+apps[1])
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("haproxy:\n%s", out.String())
		}
	})
	wait = func() { waitBackendsUp(t, done, out) }
	wait()
	return wait
}

// waitBackendsUp returns when HAProxy's health checks see both instances
// up.
func waitBackendsUp(t *testing.T, exited <-chan struct{}, out *syncBuffer) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		up := 0
		if resp, err := http.Get("http://" + haproxyStats + "/;csv"); err == nil {
			var b bytes.Buffer
			b.ReadFrom(resp.Body)
			resp.Body.Close()
			for _, line := range strings.Split(b.String(), "\n") {
				f := strings.Split(line, ",")
				if len(f) > 17 && f[0] == "antrian" && strings.HasPrefix(f[1], "app") && f[17] == "UP" {
					up++
				}
			}
		}
		if up == 2 {
			return
		}
		select {
		case <-exited:
			t.Fatalf("haproxy exited:\n%s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("haproxy did not see both instances up (%d):\n%s", up, out.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// proxyScreen is a display connected through the proxy that reconnects
// as display.js does: at once, asking for what it missed (since=). A
// goroutine reads its socket, so that waiting for a message can time out
// without spoiling the connection.
type proxyScreen struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsRead
	sc   *screen
}

type wsRead struct {
	raw []byte
	err error
}

func (s *proxyScreen) dial() {
	s.t.Helper()
	path := "/ws/display?facility=sobo"
	if s.sc.units != nil {
		path += "&since=" + strconv.FormatInt(s.sc.seq, 10)
	}
	conn, resp, err := websocket.DefaultDialer.Dial("ws://"+haproxyBind+path, nil)
	if err != nil {
		st := 0
		if resp != nil {
			st = resp.StatusCode
		}
		s.t.Fatalf("screen reconnecting through the proxy: %v (status %d)", err, st)
	}
	msgs := make(chan wsRead, 64)
	go func() {
		for {
			_, raw, err := conn.ReadMessage()
			select {
			case msgs <- wsRead{raw, err}:
			default: // nobody reads any more
			}
			if err != nil {
				return
			}
		}
	}()
	s.conn, s.msgs = conn, msgs
	s.t.Cleanup(func() { conn.Close() })
}

func (s *proxyScreen) next(wait time.Duration) (wsRead, bool) {
	select {
	case r := <-s.msgs:
		return r, true
	case <-time.After(wait):
		return wsRead{}, false
	}
}

// read applies the next n messages.
func (s *proxyScreen) read(n int) {
	s.t.Helper()
	for range n {
		r, ok := s.next(10 * time.Second)
		if !ok || r.err != nil {
			s.t.Fatalf("screen: no message (%v)", r.err)
		}
		var m wsMsg
		if err := json.Unmarshal(r.raw, &m); err != nil {
			s.t.Fatalf("decode %s: %v", r.raw, err)
		}
		s.sc.apply(s.t, m)
	}
}

// goingAway reconnects the screen if its instance closed it with 1001
// going away; false when nothing came (its instance is another one).
func (s *proxyScreen) goingAway() bool {
	s.t.Helper()
	r, ok := s.next(time.Second)
	if !ok {
		return false
	}
	if !websocket.IsCloseError(r.err, websocket.CloseGoingAway) {
		s.t.Fatalf("screen: %v %s, want close 1001 going away", r.err, r.raw)
	}
	s.conn.Close()
	s.dial()
	return true
}

// A rolling restart behind the district's HAProxy: instance A stops
// (screens on it are told 1001 and reconnect through the proxy to B, which
// replays what they missed), comes back on its address, then B does the
// same. Bookings and calls go through the proxy the whole time, every
// reconnect succeeds at its first try, and every screen ends showing what
// the API shows.
func TestRollingRestartThroughHAProxy(t *testing.T) {
	e := newEnv(t, backend{name: "redis", redis: testenv.Redis(t, false)})
	a := e.start()
	e.seed(a)
	b := e.start()
	addrA, addrB := a.Addr(), b.Addr()
	backendsUp := startHAProxy(t, addrA, addrB)

	pub := newClient(t, "http://"+haproxyBind)
	staff := newClient(t, "http://"+haproxyBind)
	staff.login("petugas", "rahasia123")
	// Four screens: with least-connections they spread over both instances.
	screens := make([]*proxyScreen, 4)
	for i := range screens {
		screens[i] = &proxyScreen{t: t, sc: &screen{}}
		screens[i].dial()
		screens[i].read(1) // the snapshot
	}
	book := func(unit string) {
		t.Helper()
		if st, _ := pub.book(unit, nil); st != 201 {
			t.Fatalf("book %s through the proxy: status %d", unit, st)
		}
	}
	call := func(unit string) {
		t.Helper()
		if st, _ := staff.callNext(unit, "Ruang 1"); st != 200 {
			t.Fatalf("call %s through the proxy: status %d", unit, st)
		}
	}
	book("UMUM")
	for _, s := range screens {
		s.read(1)
	}

	restart := func(name string, stop *App, addr string, minMoved, maxMoved int) *App {
		t.Helper()
		if err := stop.Close(); err != nil {
			t.Fatal(err)
		}
		moved := 0
		for _, s := range screens {
			if s.goingAway() {
				moved++
			}
		}
		if moved < minMoved || moved > maxMoved {
			t.Errorf("%s stopping moved %d of %d screens, want %d to %d", name, moved, len(screens), minMoved, maxMoved)
		}
		// While it is down, the queue goes on through the proxy.
		book("UMUM")
		call("UMUM")
		for _, s := range screens {
			s.read(2)
		}
		// It comes back on its address, as a container does.
		e.vars = map[string]string{"ANTRIAN_ADDR": addr}
		app := e.start()
		backendsUp()
		return app
	}
	// Least connections spread the screens over both instances, so A's
	// stop moves some; then all are on B, and B's stop moves them all.
	a = restart("A", a, addrA, 1, len(screens)-1)
	b = restart("B", b, addrB, len(screens), len(screens))
	book("UMUM")
	call("UMUM")
	for _, s := range screens {
		s.read(2)
		s.sc.check(t, pub)
	}
	_, _ = a, b
}
