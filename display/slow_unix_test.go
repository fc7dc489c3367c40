//go:build unix

package display

import (
	"context"
	"encoding/json"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/antrian/antrian/queue"
	"github.com/gorilla/websocket"
)

// A client that never reads is dropped once its buffer is full, and a
// client that reads meanwhile gets every event without waiting for it.
func TestSlowClient(t *testing.T) {
	hs := newHarness(t, Options{SendBuffer: 64, WriteWait: time.Second})
	// A small receive buffer stands for a TV on a poor link: the kernel
	// stops taking its data long before the server's buffer fills.
	small := &websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}).DialContext}
	slow := hs.dial("", small)
	fast := hs.dial("", nil)
	read(t, fast) // snapshot
	// The fast client reads each batch as it comes; the slow one never does.
	const n, batch = 20000, 20
	ctx := context.Background()
	var worst time.Duration
	for seq := int64(1); seq <= n; {
		evs := make([]queue.Event, 0, batch)
		for range batch {
			evs = append(evs, hs.store.add("booked", "UMUM", "B-001"))
		}
		start := time.Now()
		hs.hub.Publish(ctx, evs)
		for range batch {
			if m := read(t, fast); m.Seq != seq {
				t.Fatalf("fast client: got seq %d, want %d", m.Seq, seq)
			}
			seq++
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("fast client: slowest batch of %d took %v", batch, worst)
	deadline := time.Now().Add(5 * time.Second)
	for hs.hub.clientCount() != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d clients connected, want the slow one dropped", hs.hub.clientCount())
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The slow client finds its connection ended before the last event.
	var last int64
	for {
		slow.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, raw, err := slow.ReadMessage()
		if err != nil {
			break
		}
		var m msg
		json.Unmarshal(raw, &m)
		last = m.Seq
	}
	if last >= n {
		t.Errorf("slow client read up to seq %d, want it cut off before %d", last, n)
	}
}

// A screen that stops reading for a while (its socket full, a frame taken
// only in part) gets every event whole and in order once it reads again,
// and the other screens never wait for it. A ping it sends meanwhile is
// answered by the writer, after the frame begun, and does not cut the
// writer's deadline short.
func TestPausedClientCatchesUp(t *testing.T) {
	hs := newHarness(t, Options{SendBuffer: 100000, WriteWait: 30 * time.Second})
	small := &websocket.Dialer{NetDialContext: (&net.Dialer{Control: func(network, address string, c syscall.RawConn) error {
		return c.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}).DialContext}
	paused := hs.dial("", small)
	if m := read(t, paused); m.Type != TypeSnapshot || m.Seq != 0 {
		t.Fatalf("paused screen's first message: %+v, want the snapshot at 0", m)
	}
	fast := hs.dial("", nil)
	read(t, fast) // snapshot
	ctx := context.Background()
	seq := int64(0)
	for hs.hub.notTaken.Load() == 0 {
		if seq > 200000 {
			t.Fatal("the paused screen's socket never filled")
		}
		evs := make([]queue.Event, 0, 50)
		for range 50 {
			evs = append(evs, hs.store.add("booked", "UMUM", "B-001"))
		}
		hs.hub.Publish(ctx, evs)
		for range evs {
			seq++
			if m := read(t, fast); m.Seq != seq {
				t.Fatalf("fast screen: got seq %d, want %d", m.Seq, seq)
			}
		}
	}
	// A few more while the paused screen's writer waits on its socket.
	for range 100 {
		hs.hub.Publish(ctx, []queue.Event{hs.store.add("called", "UMUM", "B-002")})
		seq++
		if m := read(t, fast); m.Seq != seq {
			t.Fatalf("fast screen: got seq %d, want %d", m.Seq, seq)
		}
	}
	// gorilla's own ping handler answered with a 1 s write deadline,
	// which a pong queued behind the frame's rest would have set on it.
	if err := paused.WriteControl(websocket.PingMessage, []byte("still here?"), time.Now().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	pongs := 0
	paused.SetPongHandler(func(string) error { pongs++; return nil })
	for want := int64(1); want <= seq; want++ {
		if m := read(t, paused); m.Seq != want {
			t.Fatalf("paused screen: got seq %d, want %d", m.Seq, want)
		}
	}
	if pongs != 1 {
		t.Errorf("%d pongs, want 1", pongs)
	}
	t.Logf("%d events; frames not taken at once by a socket %d", seq, hs.hub.notTaken.Load())
}

// A write deadline left by a writer goroutine (the first messages, a
// ping) does not fail the fan-out's later writes once it has passed.
func TestDirectWritesOutliveDeadline(t *testing.T) {
	hs := newHarness(t, Options{WriteWait: 100 * time.Millisecond})
	conn := hs.dial("", nil)
	if m := read(t, conn); m.Type != TypeSnapshot {
		t.Fatalf("first message %+v, want the snapshot", m)
	}
	time.Sleep(300 * time.Millisecond)
	ctx := context.Background()
	for want := int64(1); want <= 3; want++ {
		hs.hub.Publish(ctx, []queue.Event{hs.store.add("booked", "UMUM", "B-001")})
		if m := read(t, conn); m.Seq != want {
			t.Fatalf("got seq %d, want %d", m.Seq, want)
		}
	}
	if n := hs.hub.notTaken.Load(); n != 0 {
		t.Errorf("%d frames went to a writer goroutine, want every one written at once", n)
	}
}
