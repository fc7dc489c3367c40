package queue

import (
	"strings"
	"time"

	"github.com/antrian/antrian/fault"
)

// provinces are the two-digit province codes (Kemendagri) a NIK can start with.
var provinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true, "16": true, "17": true, "18": true, "19": true,
	"21": true, "31": true, "32": true, "33": true, "34": true, "35": true, "36": true,
	"51": true, "52": true, "53": true, "61": true, "62": true, "63": true, "64": true, "65": true,
	"71": true, "72": true, "73": true, "74": true, "75": true, "76": true, "81": true, "82": true,
	"91": true, "92": true, "93": true, "94": true, "95": true, "96": true, "97": true,
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ValidateNIK checks a Nomor Induk Kependudukan: 16 digits, a known province
// code, a regency and district code, a birth date DDMMYY (day + 40 for
// women) that exists, and a non-zero serial. The error is an fault.ErrInvalid for
// field "nik".
func ValidateNIK(nik string) error {
	bad := func(msg string) error { return fault.Invalid("nik", msg) }
	if len(nik) != 16 || !allDigits(nik) {
		return bad("NIK harus 16 angka.")
	}
	if !provinces[nik[0:2]] || nik[2:4] == "00" || nik[4:6] == "00" {
		return bad("Kode wilayah pada NIK tidak dikenal.")
	}
	day := int(nik[6]-'0')*10 + int(nik[7]-'0')
	month := int(nik[8]-'0')*10 + int(nik[9]-'0')
	year := int(nik[10]-'0')*10 + int(nik[11]-'0')
	if day > 40 {
		day -= 40
	}
	// The two-digit year is ambiguous; both centuries have the same
	// calendar except for 1900, so a date valid in 2000+year is enough.
	d := time.Date(2000+year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	if day < 1 || month < 1 || month > 12 || d.Day() != day || int(d.Month()) != month {
		return bad("Tanggal lahir pada NIK tidak valid.")
	}
	if nik[12:] == "0000" {
		return bad("Nomor urut pada NIK tidak valid.")
	}
	return nil
}

// ValidateBPJS checks a JKN-KIS card number: 13 digits.
func ValidateBPJS(no string) error {
	if len(no) != 13 || !allDigits(no) {
		return fault.Invalid("bpjs", "Nomor kartu BPJS harus 13 angka.")
	}
	return nil
}

// NormalizePhone is the service's one reading of a phone number: an
// Indonesian mobile number written in any usual form ("0812-3456-7890",
// "+62 812 3456 7890", "62812...", "0062812...", "812...", with spaces,
// dashes, dots or brackets) becomes its canonical form, the digits 628...
// Tickets store that form, person keys hash it, and messages go to "+" and
// it (E.164), so the same patient is one person however the number was
// typed. Landlines and foreign numbers are refused: messages go out by
// WhatsApp or SMS. It returns a *fault.Error for field "phone" otherwise.
func NormalizePhone(s string) (string, error) {
	bad := fault.Invalid("phone", "Nomor HP harus nomor Indonesia, misalnya 0812xxxxxxx.")
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9', r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", bad
		}
	}
	d := b.String()
	var national string
	switch {
	case strings.HasPrefix(d, "+62"):
		national = d[3:]
	case strings.HasPrefix(d, "0062"):
		national = d[4:]
	case strings.HasPrefix(d, "62"):
		national = d[2:]
	case strings.HasPrefix(d, "0"):
		national = d[1:]
	default:
		national = d // "812...", or something that fails below
	}
	// Mobile subscriber numbers start with 8 and have 8 to 13 digits after
	// the country code.
	if !strings.HasPrefix(national, "8") || !allDigits(national) || len(national) < 8 || len(national) > 13 {
		return "", bad
	}
	return "62" + national, nil
}
