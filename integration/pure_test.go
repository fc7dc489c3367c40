package integration

import (
	"testing"
	"time"

	"github.com/antrian/antrian/outbox"
	"github.com/antrian/antrian/queue"
)

func TestSummary(t *testing.T) {
	for _, tc := range []struct {
		name string
		recs []outbox.Record
		want string
	}{
		{"nothing", nil, ""},
		{"sent", []outbox.Record{{Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StateSent}}, "BPJS: terkirim"},
		{"waiting", []outbox.Record{{Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StateSent}, {Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StatePending}}, "BPJS: menunggu"},
		{"retrying", []outbox.Record{{Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StatePending, Attempts: 2, LastError: "HTTP 503"}}, "BPJS: menunggu (percobaan 2: HTTP 503)"},
		{"failed wins", []outbox.Record{{Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StateDead, LastError: "ditolak"}, {Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StatePending}}, "BPJS: gagal: ditolak"},
		{"both", []outbox.Record{{Message: outbox.Message{Channel: TargetSATUSEHAT}, State: outbox.StateSent}, {Message: outbox.Message{Channel: TargetBPJS}, State: outbox.StateSent}}, "BPJS: terkirim|SATUSEHAT: terkirim"},
	} {
		got := ""
		for i, s := range Summary(tc.recs) {
			if i > 0 {
				got += "|"
			}
			got += s
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTruncateMasksNumbers(t *testing.T) {
	got := redact("kartu 0001234567890 dan NIK 3510011203900001 ditolak, kode 201")
	if want := "kartu [nomor] dan NIK [nomor] ditolak, kode 201"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestVisit(t *testing.T) {
	at := func(m int) *time.Time {
		x := time.Date(2026, 11, 27, 1, m, 0, 0, time.UTC)
		return &x
	}
	for _, tc := range []struct {
		name                 string
		t                    encounterTicket
		arrived              bool
		start, progress, end *time.Time
		cancelled            bool
	}{
		{"kiosk ticket waiting", encounterTicket{status: queue.Waiting, channel: queue.ChannelKiosk, issued: *at(0)}, true, at(0), nil, nil, false},
		{"kiosk ticket called", encounterTicket{status: queue.Called, channel: queue.ChannelKiosk, issued: *at(0), called: at(5)}, true, at(0), at(5), nil, false},
		{"online ticket waiting", encounterTicket{status: queue.Waiting, channel: queue.ChannelOnline, issued: *at(0)}, false, nil, nil, nil, false},
		{"online ticket called", encounterTicket{status: queue.Called, channel: queue.ChannelJKN, issued: *at(0), called: at(5)}, true, at(5), nil, nil, false},
		{"online ticket finished unstarted", encounterTicket{status: queue.Done, channel: queue.ChannelOnline, issued: *at(0), called: at(5), finished: at(9)}, true, at(5), at(5), at(9), false},
		{"transfer in, started, done", encounterTicket{status: queue.Done, channel: queue.ChannelOnline, fromUnit: "LOKET", issued: *at(1), called: at(5), started: at(6), finished: at(9)}, true, at(1), at(5), at(9), false},
		{"booked, not checked in", encounterTicket{status: queue.Booked, channel: queue.ChannelOnline, issued: *at(0)}, false, nil, nil, nil, false},
		{"booked, checked in", encounterTicket{status: queue.Waiting, channel: queue.ChannelOnline, issued: *at(0), checkedIn: at(3)}, true, at(3), nil, nil, false},
		{"booked, checked in, called, done", encounterTicket{status: queue.Done, channel: queue.ChannelJKN, issued: *at(0), checkedIn: at(3), called: at(5), finished: at(9)}, true, at(3), at(5), at(9), false},
		{"kiosk ticket cancelled", encounterTicket{status: queue.Cancelled, channel: queue.ChannelKiosk, issued: *at(0), finished: at(3)}, true, at(0), nil, at(3), true},
	} {
		v, ok := visit(tc.t)
		if ok != tc.arrived {
			t.Errorf("%s: arrived %v, want %v", tc.name, ok, tc.arrived)
			continue
		}
		if !ok {
			continue
		}
		end := v.Finished
		if tc.cancelled {
			end = v.Cancelled
		}
		if !v.Arrived.Equal(*tc.start) || !same(v.InProgress, tc.progress) || !same(end, tc.end) {
			t.Errorf("%s: got %v %v %v, want %v %v %v", tc.name, v.Arrived, v.InProgress, end, *tc.start, tc.progress, tc.end)
		}
	}
}

func same(a, b *time.Time) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(*b))
}
