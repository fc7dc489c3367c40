package jkn

import (
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

func TestParsePoli(t *testing.T) {
	ps, err := ParsePoli("001=UMUM, 002=GIGI,")
	if err != nil || len(ps) != 2 || ps[1] != (queue.Poli{KodePoli: "002", Unit: "GIGI"}) {
		t.Errorf("got %+v, %v", ps, err)
	}
	for _, bad := range []string{"001", "=UMUM", "001="} {
		if _, err := ParsePoli(bad); !errors.Is(err, fault.ErrInvalid) {
			t.Errorf("%q: got %v, want ErrInvalid", bad, err)
		}
	}
}

func TestCheckDate(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Jakarta")
	f := queue.Facility{Location: loc}
	now := time.Date(2026, 11, 26, 17, 30, 0, 0, time.UTC) // 00:30 WIB on the 27th
	for date, ok := range map[string]bool{
		"2026-11-27": true, "2026-12-01": true, "2026-11-26": false, "2026-11-31": false, "27-11-2026": false, "2026-1-27": false, "": false,
	} {
		err := checkDate(f, date, now)
		var je *Error
		if (err == nil) != ok || (err != nil && (!errors.As(err, &je) || je.Code != CodeFailed)) {
			t.Errorf("%q: got %v, want ok=%v", date, err, ok)
		}
	}
}

func TestCardAndNIK(t *testing.T) {
	if checkCard("0001234567890") != nil || checkCard("000123456789") == nil || checkCard("000123456789X") == nil {
		t.Error("card check")
	}
	if checkNIK("3510011203900001") != nil || checkNIK("351001120390000") == nil || checkNIK("9910011203900001") == nil {
		t.Error("NIK check")
	}
}
