package display

import (
	"testing"
	"time"

	"github.com/antrian/antrian/queue"
)

// BenchmarkEncodeEvent encodes one call for the screens; the hub does this
// once per event and facility, whatever the number of screens.
func BenchmarkEncodeEvent(b *testing.B) {
	loc, _ := time.LoadLocation("Asia/Jakarta")
	e := queue.Event{Seq: 1234, Facility: "sobo", Unit: "UMUM", ServiceDate: time.Now().In(loc).Format(time.DateOnly),
		Kind: "called", TicketID: "abcdefghijklmnop", Code: "B-013", Counter: "Ruang 2", At: time.Now(), Waiting: 12,
		Current: &queue.Call{Code: "B-013", Counter: "Ruang 2"}}
	for b.Loop() {
		if len(encodeEvent(e, loc)) == 0 {
			b.Fatal("empty")
		}
	}
}
