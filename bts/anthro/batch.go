package anthro

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/antrian/antrian/fault"
)

// batchInputHeader is the header ConvertCSV requires, in this order.
var batchInputHeader = []string{"sex", "age_days", "weight_kg", "lenhei_cm", "measure", "oedema"}

// batchOutputColumns are the columns ConvertCSV appends to the input ones.
var batchOutputColumns = []string{
	"clenhei", "zlen", "zwei", "zwfl", "zbmi",
	"flen", "fwei", "fwfl", "fbmi",
	"tbu", "bbu", "bbtb",
}

// ConvertCSV computes daily-method z-scores for every row of a CSV file, the
// contract of `antrian anthro` (docs/api-v1.md, "Batch z-scores").
//
// Input starts with the header sex,age_days,weight_kg,lenhei_cm,measure,oedema
// (in this order; a byte-order mark and spaces are tolerated). In each row sex is 1 or L
// (boy) or 2 or P (girl); age_days is a whole number of days; weight_kg and
// lenhei_cm are decimal numbers with a dot, or empty when not measured;
// measure is l (lying), h (standing) or empty; oedema is y, n or empty (no).
// Letters may be upper or lower case and surrounding spaces are ignored.
//
// Output has the input header followed by
// clenhei,zlen,zwei,zwfl,zbmi,flen,fwei,fwfl,fbmi,tbu,bbu,bbtb, then one row
// per input row: the six input fields exactly as given, then clenhei (cm,
// 2 decimals), the four z-scores rounded to 2 decimals ("-2.00", "3.37"),
// the four flags (1 implausible, 0 not), and the TB/U, BB/U and BB/PB-BB/TB
// categories. A field is empty when it cannot be computed; a flag is empty
// when its z-score is.
//
// A bad row (an invalid value, the wrong number of fields, or unparseable
// CSV) still gets its output row, with every computed field empty (a row
// with too many or too few fields is cut or padded to six), and a message
// on errw naming its line; line 1 is the header. Bad rows do not stop the
// conversion; bad counts them.
//
// ConvertCSV returns an error wrapping fault.ErrInvalid when the input is empty or
// its header is wrong (nothing is written then), and any
// error from reading in or writing out or errw.
func ConvertCSV(in io.Reader, out, errw io.Writer) (bad int, err error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	switch {
	case errors.Is(err, io.EOF):
		return 0, fmt.Errorf("bts: convert CSV: empty input, want header %s: %w",
			strings.Join(batchInputHeader, ","), fault.ErrInvalid)
	case err != nil:
		return 0, fmt.Errorf("bts: convert CSV: header: %w", err)
	}
	if !isBatchHeader(header) {
		return 0, fmt.Errorf("bts: convert CSV: header %q, want %s: %w",
			strings.Join(header, ","), strings.Join(batchInputHeader, ","), fault.ErrInvalid)
	}

	w := csv.NewWriter(out)
	row := make([]string, 0, len(batchInputHeader)+len(batchOutputColumns))
	row = append(append(row, batchInputHeader...), batchOutputColumns...)
	if err := w.Write(row); err != nil {
		return 0, fmt.Errorf("bts: convert CSV: %w", err)
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var line int
		var rowErr error
		var pe *csv.ParseError
		switch {
		case errors.As(err, &pe):
			// The reader resumes after the broken record; its fields are
			// lost, so its output row is all empty.
			line, rowErr, rec = pe.StartLine, pe.Err, nil
		case err != nil:
			return bad, fmt.Errorf("bts: convert CSV: %w", err)
		default:
			line, _ = r.FieldPos(0)
		}

		row = row[:0]
		for i := range batchInputHeader {
			f := ""
			if i < len(rec) {
				f = rec[i]
			}
			row = append(row, f)
		}
		var res Result
		if rowErr == nil {
			res, rowErr = convertRow(rec)
		}
		if rowErr != nil {
			bad++
			if _, err := fmt.Fprintf(errw, "line %d: %v\n", line, rowErr); err != nil {
				return bad, fmt.Errorf("bts: convert CSV: %w", err)
			}
			for range batchOutputColumns {
				row = append(row, "")
			}
		} else {
			row = appendResult(row, res)
		}
		if err := w.Write(row); err != nil {
			return bad, fmt.Errorf("bts: convert CSV: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return bad, fmt.Errorf("bts: convert CSV: %w", err)
	}
	return bad, nil
}

func isBatchHeader(h []string) bool {
	if len(h) != len(batchInputHeader) {
		return false
	}
	for i, f := range h {
		if i == 0 {
			f = strings.TrimPrefix(f, "\ufeff") // spreadsheet byte-order mark
		}
		if strings.TrimSpace(f) != batchInputHeader[i] {
			return false
		}
	}
	return true
}

// convertRow parses one input record and computes its result. The error
// names every field that is wrong, without the package prefix, for a
// message on one line.
func convertRow(rec []string) (Result, error) {
	if len(rec) != len(batchInputHeader) {
		return Result{}, fmt.Errorf("want %d fields, got %d", len(batchInputHeader), len(rec))
	}
	var in Input
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	f := func(i int) string { return strings.TrimSpace(rec[i]) }

	switch s := strings.ToUpper(f(0)); s {
	case "1", "L":
		in.Sex = Male
	case "2", "P":
		in.Sex = Female
	default:
		bad("sex %q: want 1, 2, L or P", f(0))
	}
	if age, err := strconv.Atoi(f(1)); err != nil || age < 0 {
		bad("age_days %q: want a whole number of days, 0 or more", f(1))
	} else {
		in.AgeDays = age
	}
	var ok bool
	if in.WeightKg, ok = parseAmount(f(2)); !ok {
		bad("weight_kg %q: want a positive number (dot as decimal point) or empty", f(2))
	}
	if in.LenHeiCm, ok = parseAmount(f(3)); !ok {
		bad("lenhei_cm %q: want a positive number (dot as decimal point) or empty", f(3))
	}
	switch strings.ToLower(f(4)) {
	case "":
		in.Measure = MeasureUnknown
	case "l":
		in.Measure = MeasureLying
	case "h":
		in.Measure = MeasureStanding
	default:
		bad("measure %q: want l, h or empty", f(4))
	}
	switch strings.ToLower(f(5)) {
	case "", "n":
	case "y":
		in.Oedema = true
	default:
		bad("oedema %q: want y, n or empty", f(5))
	}
	if errs != nil {
		return Result{}, errors.New(strings.Join(errs, "; "))
	}
	res, err := Compute(in, MethodDaily)
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// parseAmount parses an optional positive decimal: empty is 0 (not measured).
func parseAmount(s string) (float64, bool) {
	if s == "" {
		return 0, true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}

func appendResult(row []string, r Result) []string {
	clenhei := ""
	if r.AdjustedLenHei > 0 {
		clenhei = strconv.FormatFloat(r.AdjustedLenHei, 'f', 2, 64)
	}
	flag := func(s Score, f bool) string {
		switch {
		case !s.Valid:
			return ""
		case f:
			return "1"
		}
		return "0"
	}
	return append(row,
		clenhei,
		r.ZLen.String(), r.ZWei.String(), r.ZWFL.String(), r.ZBMI.String(),
		flag(r.ZLen, r.FLen), flag(r.ZWei, r.FWei), flag(r.ZWFL, r.FWFL), flag(r.ZBMI, r.FBMI),
		string(r.TBU), string(r.BBU), string(r.BBTB),
	)
}
