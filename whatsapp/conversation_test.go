package whatsapp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in   string
		want command
	}{
		{"ANTRI", command{cmd: CmdQueue, text: "ANTRI"}},
		{"  daftar ", command{cmd: CmdQueue, text: "daftar"}},
		{"Antri!", command{cmd: CmdQueue, text: "Antri!"}},
		{"status", command{cmd: CmdStatus, text: "status"}},
		{"batal b-013", command{cmd: CmdCancel, rest: "b-013", text: "batal b-013"}},
		{"Stop", command{cmd: CmdStop, text: "Stop"}},
		{"bantuan", command{cmd: CmdHelp, text: "bantuan"}},
		{"2", command{choice: 2, text: "2"}},
		{"2.", command{choice: 2, text: "2."}},
		{"2  Budi   Santoso", command{choice: 2, rest: "Budi Santoso", text: "2 Budi Santoso"}},
		{"0", command{text: "0"}},
		{"Budi Santoso", command{text: "Budi Santoso"}},
		{"", command{}},
	}
	for _, tc := range tests {
		if got := parse(tc.in); got != tc.want {
			t.Errorf("parse(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestEqualCode(t *testing.T) {
	for _, tc := range []struct {
		code, typed string
		want        bool
	}{
		{"B-013", "B-013", true}, {"B-013", "b13", true}, {"B-013", "B 013", true},
		{"B-013", "B-031", false}, {"B-013", "C-013", false}, {"A-100", "a100", true}, {"A-100", "a10", false},
	} {
		if got := equalCode(tc.code, tc.typed); got != tc.want {
			t.Errorf("equalCode(%q, %q) = %v, want %v", tc.code, tc.typed, got, tc.want)
		}
	}
}

func TestOpenToday(t *testing.T) {
	jkt, _ := time.LoadLocation("Asia/Jakarta")
	monday10 := time.Date(2026, 11, 30, 10, 0, 0, 0, jkt)
	everyDay := 0b1111111
	units := []queue.Unit{
		{Code: "UMUM", Opens: 7 * 60, Closes: 12 * 60, OpenDays: everyDay},
		{Code: "GIGI", Opens: 7 * 60, Closes: 9 * 60, OpenDays: everyDay}, // the day's end passed
		{Code: "KIA", Opens: 7 * 60, Closes: 12 * 60, OpenDays: 1 << time.Sunday},
		{Code: "IGD", OpenDays: everyDay},                                  // all day
		{Code: "LAB", Opens: 11 * 60, Closes: 13 * 60, OpenDays: everyDay}, // opens later today: booking is allowed
	}
	var got []string
	for _, u := range OpenToday(queue.Facility{Location: jkt}, units, monday10) {
		got = append(got, u.Code)
	}
	if want := "UMUM IGD LAB"; strings.Join(got, " ") != want {
		t.Errorf("open at Monday 10:00: %v, want %s", got, want)
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	s := &Service{Concurrency: 1}
	release, err := s.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.acquire(ctx); !errors.Is(err, fault.ErrUnavailable) {
		t.Errorf("second answer while the only slot is held: got %v, want unavailable", err)
	}
	release()
	again, err := s.acquire(context.Background())
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again()
}
