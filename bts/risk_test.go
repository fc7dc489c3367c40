package bts

import (
	"testing"
	"time"
)

// Each criterion RiskReasons finds is listed in Risks with the very text
// RiskReasons writes, and each recorded risk comes back as recorded: pages
// find a reason's code by that text.
func TestRiskTexts(t *testing.T) {
	today := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	plain := Pregnancy{BirthDate: today.AddDate(-28, 0, 0), Parity: 1, HeightCm: 155, LiLACm: 25, HbGdL: 12,
		Systolic: 120, Diastolic: 80}
	if r := plain.RiskReasons(today); len(r) != 0 {
		t.Fatalf("a pregnancy without risk: reasons %q, want none", r)
	}
	meets := map[RiskCode]func(*Pregnancy){
		RiskYoung:        func(p *Pregnancy) { p.BirthDate = today.AddDate(-19, 0, 0) },
		RiskOld:          func(p *Pregnancy) { p.BirthDate = today.AddDate(-36, 0, 0) },
		RiskParity:       func(p *Pregnancy) { p.Parity = 4 },
		RiskShort:        func(p *Pregnancy) { p.HeightCm = 144 },
		RiskKEK:          func(p *Pregnancy) { p.LiLACm = 23 },
		RiskAnaemia:      func(p *Pregnancy) { p.HbGdL = 10.9 },
		RiskHypertension: func(p *Pregnancy) { p.Systolic = 140 },
	}
	codes, texts := map[RiskCode]bool{}, map[string]bool{}
	for _, r := range Risks {
		if codes[r.Code] || texts[r.Text] {
			t.Errorf("%s %q: listed twice", r.Code, r.Text)
		}
		codes[r.Code], texts[r.Text] = true, true
		p := plain
		if r.Recorded {
			p.Risks = []string{r.Text}
		} else if edit, ok := meets[r.Code]; ok {
			edit(&p)
			delete(meets, r.Code)
		} else {
			t.Errorf("%s: not a recorded risk, and this test cannot make a pregnancy meet it", r.Code)
			continue
		}
		if got := p.RiskReasons(today); len(got) != 1 || got[0] != r.Text {
			t.Errorf("%s: RiskReasons = %q, want [%q]", r.Code, got, r.Text)
		}
	}
	for code := range meets {
		t.Errorf("%s: RiskReasons finds it, but Risks does not list it", code)
	}
}
