package analytics

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// Table is one table of a dashboard, as shown on the page and as exported:
// a name for file names, a title, column headings and rows of cells. A cell
// is a string, an int or a float64 (NaN: no value).
type Table struct {
	Name    string // file name stem: letters, digits, dashes
	Title   string
	Columns []string
	Rows    [][]any
}

// Cell formats one cell as the page and the CSV show it.
func Cell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		if math.IsNaN(x) {
			return ""
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// WriteCSV writes the table as CSV (RFC 4180, UTF-8, header first). Cells
// that a spreadsheet would run as a formula are prefixed with a quote.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Columns); err != nil {
		return fmt.Errorf("write %s csv: %w", t.Name, err)
	}
	rec := make([]string, len(t.Columns))
	for _, row := range t.Rows {
		for i := range rec {
			rec[i] = ""
			if i < len(row) {
				rec[i] = defuse(Cell(row[i]))
			}
		}
		if err := cw.Write(rec); err != nil {
			return fmt.Errorf("write %s csv: %w", t.Name, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s csv: %w", t.Name, err)
	}
	return nil
}

// defuse keeps text that starts like a formula from being run by a
// spreadsheet (CSV injection).
func defuse(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '@' || s[0] == '\t' || s[0] == '\r' ||
		(s[0] == '-' && !isNumber(s))) {
		return "'" + s
	}
	return s
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

// Picture is a picture on a sheet of its own after the tables (the
// district map), with its legend in the cells beside it.
type Picture struct {
	Name   string // sheet name stem
	Title  string
	PNG    []byte
	Legend [][2]string // colour (#rrggbb) and label, in order
	Note   string      // under the legend (where the SVG is)
}

// WriteXLSX writes the tables as one workbook, a sheet per table, numbers
// as numbers, the header row bold and frozen.
func WriteXLSX(w io.Writer, tables ...Table) error {
	return WriteWorkbook(w, tables, nil)
}

// WriteWorkbook is WriteXLSX with pictures, each on a sheet after the
// tables'.
func WriteWorkbook(w io.Writer, tables []Table, pictures []Picture) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	for i, t := range tables {
		if err := writeTable(f, sheetName(t, i), i == 0, bold, t); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	for i, p := range pictures {
		if err := writePicture(f, sheetName(Table{Name: p.Name}, len(tables)+i), p); err != nil {
			return fmt.Errorf("xlsx: %w", err)
		}
	}
	f.SetDocProps(&excelize.DocProperties{Creator: "antrian", Created: time.Now().UTC().Format(time.RFC3339)})
	if _, err := f.WriteTo(w); err != nil {
		return fmt.Errorf("xlsx: %w", err)
	}
	return nil
}

// sheetName is a valid, unique sheet name for table i (at most 31 chars).
func sheetName(t Table, i int) string {
	name := t.Name
	if name == "" {
		name = "table"
	}
	name = fmt.Sprintf("%d-%s", i+1, name)
	if len(name) > 31 {
		name = name[:31]
	}
	return name
}

// writePicture puts p on a new sheet: the title in A1, the picture from
// A3, and the legend (a filled cell and its label per row) to its right.
func writePicture(f *excelize.File, sheet string, p Picture) error {
	if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	if err := f.SetCellStr(sheet, "A1", p.Title); err != nil {
		return err
	}
	if err := f.AddPictureFromBytes(sheet, "A3", &excelize.Picture{Extension: ".png", File: p.PNG,
		Format: &excelize.GraphicOptions{AltText: p.Title, LockAspectRatio: true}}); err != nil {
		return err
	}
	const col = 14 // N: right of a 720 px picture at the default column width
	for i, l := range p.Legend {
		swatch, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{l[0]}}})
		if err != nil {
			return err
		}
		box, _ := excelize.CoordinatesToCellName(col, i+3)
		label, _ := excelize.CoordinatesToCellName(col+1, i+3)
		if err := f.SetCellStyle(sheet, box, box, swatch); err != nil {
			return err
		}
		if err := f.SetCellStr(sheet, label, l[1]); err != nil {
			return err
		}
	}
	note, _ := excelize.CoordinatesToCellName(col, len(p.Legend)+4)
	return f.SetCellStr(sheet, note, p.Note)
}

// writeTable writes t on sheet (renaming the workbook's first sheet when
// first): the header row bold and frozen, numbers as numbers.
func writeTable(f *excelize.File, sheet string, first bool, bold int, t Table) error {
	if first {
		if err := f.SetSheetName("Sheet1", sheet); err != nil {
			return err
		}
	} else if _, err := f.NewSheet(sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	head := make([]any, len(t.Columns))
	for j, c := range t.Columns {
		head[j] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", head); err != nil {
		return err
	}
	for r, row := range t.Rows {
		cells := make([]any, len(row))
		for j, v := range row {
			switch x := v.(type) {
			case float64:
				if !math.IsNaN(x) {
					cells[j] = x
				}
			case string:
				cells[j] = x // excelize stores strings as text, never as formulas
			default:
				cells[j] = v
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, cells); err != nil {
			return err
		}
	}
	return sw.Flush()
}
