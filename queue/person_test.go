package queue

import (
	"errors"
	"strings"
	"testing"

	"github.com/antrian/antrian/fault"
)

func TestValidateNIK(t *testing.T) {
	tests := []struct {
		nik string
		ok  bool
	}{
		{"3510010101900001", true},  // a man born 1 Jan 1990 in Banyuwangi
		{"3510014101900001", true},  // a woman: day + 40
		{"3510017102000001", false}, // 31 Feb
		{"3510012902000001", true},  // 29 Feb 2000
		{"3510012902010001", false}, // 29 Feb 2001
		{"351001010190000", false},  // 15 digits
		{"35100101019000011", false},
		{"351001010190000a", false},
		{"9910010101900001", false}, // no province 99
		{"3500010101900001", false}, // regency 00
		{"3510000101900001", false}, // district 00
		{"3510010013900001", false}, // month 13
		{"3510013201900001", false}, // day 32
		{"3510017201900001", false}, // day 72 (32 for a woman)
		{"3510010101900000", false}, // serial 0000
		{"", false},
	}
	for _, tc := range tests {
		err := ValidateNIK(tc.nik)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateNIK(%q) = %v, want ok %v", tc.nik, err, tc.ok)
		}
		var fe *fault.Error
		if err != nil && (!errors.As(err, &fe) || fe.Field != "nik" || !errors.Is(err, fault.ErrInvalid)) {
			t.Errorf("ValidateNIK(%q): %v is not an invalid-nik field error", tc.nik, err)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"081234567890", "6281234567890"},
		{"0812-3456-7890", "6281234567890"},
		{"+62 812 3456 7890", "6281234567890"},
		{"6281234567890", "6281234567890"},
		{"006281234567890", "6281234567890"},
		{"81234567890", "6281234567890"},
		{" 0812.3456.789 ", "628123456789"},
		{"(0812) 3456-7890", "6281234567890"},
		{"+62 0812345678", ""}, // a national number never starts with 0
		{"+6581234567", ""},    // Singapore
		{"+8123456789", ""},    // a plus without a country code
		{"(021) 5551234", ""},  // a landline
		{"12345678", ""},
		{"0812345", ""},           // too short
		{"+15551234567", ""},      // not Indonesian
		{"0212345678", ""},        // a landline is not a mobile (WhatsApp) number
		{"08123456789012345", ""}, // too long
		{"08123abc567", ""},
		{"", ""},
	}
	for _, tc := range tests {
		got, err := NormalizePhone(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

// TestPhoneOnePerson: every way of writing a number is one person, and the
// stored forms (tickets keep 628..., messages go to +628...) read back as
// themselves, so numbers stored before are still matched.
func TestPhoneOnePerson(t *testing.T) {
	s := &Service{Secret: []byte("0123456789abcdef0123456789abcdef")}
	forms := []string{"081234567890", "+62 812-3456-7890", "6281234567890", "006281234567890", "81234567890", "(0812) 3456 7890"}
	var keys []string
	for _, f := range forms {
		p, err := NormalizePhone(f)
		if err != nil {
			t.Fatalf("NormalizePhone(%q): %v", f, err)
		}
		keys = append(keys, s.PersonKey("phone", p))
	}
	for i, k := range keys {
		if k != keys[0] {
			t.Errorf("%q is another person than %q", forms[i], forms[0])
		}
	}
	for _, stored := range []string{"6281234567890", "+6281234567890"} {
		if got, err := NormalizePhone(stored); err != nil || got != "6281234567890" {
			t.Errorf("stored %q reads as %q, %v; want 6281234567890", stored, got, err)
		}
	}
}

func FuzzValidateNIK(f *testing.F) {
	for _, s := range []string{"3510014101900001", "351001010190000", "", "9999999999999999", "3510017102000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, nik string) {
		err := ValidateNIK(nik)
		if err == nil && (len(nik) != 16 || strings.Trim(nik, "0123456789") != "") {
			t.Errorf("accepted %q", nik)
		}
	})
}

func FuzzNormalizePhone(f *testing.F) {
	for _, s := range []string{"081234567890", "+62 812-3456-7890", "62812", "", "+", "08"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizePhone(s)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "628") || strings.Trim(got, "0123456789") != "" {
			t.Errorf("NormalizePhone(%q) = %q", s, got)
		}
		if again, err := NormalizePhone(got); err != nil || again != got {
			t.Errorf("not idempotent: %q -> %q -> %q, %v", s, got, again, err)
		}
	})
}
