package display

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// tickClock is a clock that moves on a millisecond at every reading, so
// that every registry entry has a last-seen time of its own.
type tickClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

// listed returns a facility's display list, split into verified and
// unverified screens by id.
func listed(t *testing.T, h *Hub) (verified, unverified map[string]Display) {
	t.Helper()
	ds, err := h.Displays(context.Background(), "sobo")
	if err != nil {
		t.Fatal(err)
	}
	verified, unverified = map[string]Display{}, map[string]Display{}
	for _, d := range ds {
		m := unverified
		if d.Verified {
			m = verified
		}
		if _, dup := m[d.ID]; dup {
			t.Errorf("%s listed twice (verified %v)", d.ID, d.Verified)
		}
		m[d.ID] = d
	}
	return verified, unverified
}

// Anonymous screens are listed as unverified, at most MaxUnverified of
// them per facility (the least recently seen make way), and however many
// come, they never push a verified screen off the list.
func TestDisplayListCapped(t *testing.T) {
	clock := &tickClock{t: time.Now()}
	hs := newHarness(t, Options{Now: clock.now})
	for _, name := range []string{"tv-lobby", "tv-poli", "tv-kia"} {
		hs.hub.connected(DisplayRequest{Facility: "sobo", Name: name, Verified: true})
	}
	const fakes = 150
	var fake []*displayEntry
	for i := range fakes {
		fake = append(fake, hs.hub.connected(DisplayRequest{Facility: "sobo", Name: fmt.Sprintf("fake-%03d", i)}))
	}
	verified, unverified := listed(t, hs.hub)
	if len(verified) != 3 {
		t.Errorf("got %d verified screens listed, want the 3 that connected: %v", len(verified), verified)
	}
	if len(unverified) != defaultMaxUnverified {
		t.Errorf("got %d unverified screens listed, want %d", len(unverified), defaultMaxUnverified)
	}
	for _, d := range fake[fakes-defaultMaxUnverified:] {
		if _, ok := unverified[d.ID]; !ok {
			t.Errorf("%s, among the latest, is not listed", d.ID)
		}
	}
	// A screen pushed off the list comes back when it is seen again, and
	// then pushes off the least recently seen unverified one.
	oldest := fake[fakes-defaultMaxUnverified].ID
	hs.hub.seen(fake[0])
	hs.hub.flushSeen()
	verified, unverified = listed(t, hs.hub)
	if len(verified) != 3 || len(unverified) != defaultMaxUnverified {
		t.Errorf("after a pong: %d verified and %d unverified, want 3 and %d", len(verified), len(unverified), defaultMaxUnverified)
	}
	if _, ok := unverified[fake[0].ID]; !ok {
		t.Errorf("%s is not listed after its pong", fake[0].ID)
	}
	if _, ok := unverified[oldest]; ok {
		t.Errorf("%s, the least recently seen, is still listed", oldest)
	}
}

// Verified screens are capped too (MaxDisplays), keeping those seen last.
func TestVerifiedDisplaysCapped(t *testing.T) {
	clock := &tickClock{t: time.Now()}
	hs := newHarness(t, Options{Now: clock.now, MaxDisplays: 4})
	for i := range 6 {
		hs.hub.connected(DisplayRequest{Facility: "sobo", Name: fmt.Sprintf("tv-%d", i), Verified: true})
	}
	verified, _ := listed(t, hs.hub)
	if len(verified) != 4 {
		t.Fatalf("got %d verified screens, want 4: %v", len(verified), verified)
	}
	for i := 2; i < 6; i++ {
		if _, ok := verified[fmt.Sprintf("tv-%d", i)]; !ok {
			t.Errorf("tv-%d, among the 4 seen last, is not listed", i)
		}
	}
}

// An anonymous screen using a verified screen's name gets an entry of its
// own, shown unverified; the verified screen's entry is untouched, and its
// pongs and disconnection still land on it.
func TestUnverifiedCannotTakeVerifiedName(t *testing.T) {
	hs := newHarness(t, Options{})
	real := hs.hub.connected(DisplayRequest{Facility: "sobo", Name: "tv-lobby", Verified: true})
	spoof := hs.hub.connected(DisplayRequest{Facility: "sobo", Name: "tv-lobby"})
	hs.hub.seen(real)
	hs.hub.flushSeen()
	verified, unverified := listed(t, hs.hub)
	if d, ok := verified["tv-lobby"]; !ok || !d.Online {
		t.Errorf("verified tv-lobby: %+v (listed %v), want online", d, ok)
	}
	if _, ok := unverified["tv-lobby"]; !ok {
		t.Error("the spoofing screen is not listed as unverified")
	}
	hs.hub.disconnected(spoof)
	verified, unverified = listed(t, hs.hub)
	if d := verified["tv-lobby"]; d.DisconnectedAt != nil {
		t.Errorf("the spoof's disconnection marked the verified screen: %+v", d)
	}
	if d := unverified["tv-lobby"]; d.DisconnectedAt == nil {
		t.Errorf("the spoof's entry after it left: %+v, want disconnected", d)
	}
}
