package web

import "fmt"

// mapMessages are the words of the district map (web/maps.go,
// web/mapdata.go), kept apart from the rest of the catalogue only to keep
// files short: init puts them into messages and refuses a key defined
// twice.
var mapMessages = map[string][2]string{ // key: {id, en}
	"map.heading":          {"Peta kabupaten", "District map"},
	"map.layer.stunting":   {"Prevalensi stunting", "Stunting prevalence"},
	"map.layer.compliance": {"Kepatuhan pengantaran BTS", "BTS delivery compliance"},
	"map.title.stunting":   {"Prevalensi stunting per desa", "Stunting prevalence by desa"},
	"map.title.compliance": {"Kepatuhan pengantaran BTS per desa", "BTS delivery compliance by desa"},
	"map.stunting.c0":      {"< 2,5 % (sangat rendah)", "< 2.5 % (very low)"},
	"map.stunting.c1":      {"2,5 – < 10 % (rendah)", "2.5 – < 10 % (low)"},
	"map.stunting.c2":      {"10 – < 20 % (sedang)", "10 – < 20 % (medium)"},
	"map.stunting.c3":      {"20 – < 30 % (tinggi)", "20 – < 30 % (high)"},
	"map.stunting.c4":      {"≥ 30 % (sangat tinggi)", "≥ 30 % (very high)"},
	"map.compliance.c0":    {"< 50 % hari terantar", "< 50 % of days delivered"},
	"map.compliance.c1":    {"50 – < 70 %", "50 – < 70 %"},
	"map.compliance.c2":    {"70 – < 80 %", "70 – < 80 %"},
	"map.compliance.c3":    {"80 – < 90 % (target tercapai)", "80 – < 90 % (target met)"},
	"map.compliance.c4":    {"≥ 90 %", "≥ 90 %"},
	"map.nodata":           {"Tidak ada data", "No data"},
	"map.count.stunting":   {"anak diukur", "children measured"},
	"map.count.compliance": {"sasaran", "targets"},
	"map.size":             {"Ukuran titik: anak yang diukur bulan ini. Kotak: Puskesmas; lingkaran: posyandu (warna desanya).", "Point size: children measured this month. Square: Puskesmas; circle: posyandu (coloured as its desa)."},
	"map.empty":            {"Belum ada batas desa atau koordinat Puskesmas/posyandu.", "No desa boundaries or Puskesmas/posyandu coordinates yet."},
	"map.points":           {"Batas desa belum diunggah; peta menampilkan Puskesmas dan posyandu yang berkoordinat.", "No desa boundaries uploaded; the map shows the Puskesmas and posyandu that have coordinates."},
	"map.hint":             {"Klik wilayah atau titik untuk membuka tabelnya.", "Click an area or a point to open its table."},
	"map.download":         {"Unduh peta (SVG)", "Download the map (SVG)"},
	"map.svg":              {"Peta SVG", "SVG map"},
	"map.t.desa":           {"Peta: per desa", "Map: by desa"},
	"map.t.puskesmas":      {"Peta: per Puskesmas", "Map: by Puskesmas"},
	"map.col.desa":         {"Desa", "Desa"},
	"map.col.measured":     {"Anak diukur", "Children measured"},
	"map.col.stunting":     {"Stunting %", "Stunting %"},
	"map.col.targets":      {"Sasaran", "Targets"},
	"map.col.compliance":   {"Kepatuhan %", "Compliance %"},
}

func init() { mergeMessages(mapMessages) }

// mergeMessages puts a part of the catalogue kept in a file of its own
// into messages; a key defined twice stops the program at start.
func mergeMessages(part map[string][2]string) {
	for k, v := range part {
		if _, dup := messages[k]; dup {
			panic(fmt.Sprintf("message %q defined twice", k))
		}
		messages[k] = v
	}
}
