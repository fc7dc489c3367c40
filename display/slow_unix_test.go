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
