package bts

import (
	"errors"
	"testing"
	"time"

	"github.com/antrian/antrian/fault"
)

// Pregnancy.Validate names the field at fault: the one the console marks.
func TestPregnancyValidate(t *testing.T) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	years := func(n int) time.Time { return today.AddDate(-n, 0, 0) }
	ok := Pregnancy{NIK: "3510014101950003", Name: "Sari Dewi", BirthDate: years(30), HPHT: today.AddDate(0, 0, -MaxGestationDays),
		Gravida: 2, Parity: 1, Address: Address{Desa: "sobo-desa"}}
	if err := ok.Validate(today); err != nil {
		t.Fatalf("a valid pregnancy (HPHT on its %dth day): %v", MaxGestationDays, err)
	}
	for _, tc := range []struct {
		name  string
		edit  func(*Pregnancy)
		field string
	}{
		{"a birth date in the future", func(p *Pregnancy) { p.BirthDate = today.AddDate(0, 0, 1) }, "birth_date"},
		{"a mother of 9", func(p *Pregnancy) { p.BirthDate = years(9) }, "birth_date"},
		{"a mother of 61", func(p *Pregnancy) { p.BirthDate = years(61) }, "birth_date"},
		{"an HPHT past the longest pregnancy", func(p *Pregnancy) { p.HPHT = today.AddDate(0, 0, -MaxGestationDays-1) }, "hpht"},
		{"gravida 26", func(p *Pregnancy) { p.Gravida = 26 }, "gravida"},
		{"parity 21", func(p *Pregnancy) { p.Parity = 21 }, "parity"},
		{"no desa", func(p *Pregnancy) { p.Address.Desa = "" }, "desa"},
	} {
		p := ok
		tc.edit(&p)
		var fe *fault.Error
		if err := p.Validate(today); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v, want an error on %s", tc.name, err, tc.field)
		}
	}
	for _, age := range []int{10, 60} {
		p := ok
		p.BirthDate = years(age)
		if err := p.Validate(today); err != nil {
			t.Errorf("a mother of %d: %v, want accepted", age, err)
		}
	}
}
