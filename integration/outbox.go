package integration

import (
	"fmt"
	"strings"

	"github.com/antrian/antrian/outbox"
)

var targetName = map[string]string{TargetBPJS: "BPJS", TargetSATUSEHAT: "SATUSEHAT"}

// Summary says, per target, where a ticket's calls stand, in Bahasa
// Indonesia for staff: "BPJS: terkirim", "BPJS: gagal: <reason>",
// "SATUSEHAT: menunggu (percobaan 2: <reason>)". A target with no calls
// is left out.
func Summary(recs []outbox.Record) []string {
	var out []string
	for _, target := range []string{TargetBPJS, TargetSATUSEHAT} {
		var dead, pending *outbox.Record
		sent := 0
		for i := range recs {
			r := &recs[i]
			if r.Channel != target {
				continue
			}
			switch r.State {
			case outbox.StateDead:
				dead = r
			case outbox.StatePending:
				if pending == nil {
					pending = r
				}
			default:
				sent++
			}
		}
		name := targetName[target]
		switch {
		case dead != nil:
			out = append(out, name+": gagal: "+dead.LastError)
		case pending != nil && pending.LastError != "":
			out = append(out, fmt.Sprintf("%s: menunggu (percobaan %d: %s)", name, pending.Attempts, pending.LastError))
		case pending != nil:
			out = append(out, name+": menunggu")
		case sent > 0:
			out = append(out, name+": terkirim")
		}
	}
	return out
}

// redact masks long digit runs (card numbers, NIKs, phones) that an
// answer might echo back, and drops the "permanent failure: " that leads
// the refusals written for staff, in an error text to store or log.
func redact(s string) string {
	s = strings.TrimPrefix(s, outbox.ErrPermanent.Error()+": ")
	var b strings.Builder
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			run++
			continue
		}
		b.WriteString(mask(s[i-run : i]))
		run = 0
		b.WriteByte(s[i])
	}
	b.WriteString(mask(s[len(s)-run:]))
	return b.String()
}

func mask(digits string) string {
	if len(digits) >= 10 {
		return "[nomor]"
	}
	return digits
}
