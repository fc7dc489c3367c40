package anthro

// Category is a Permenkes 2/2020 nutritional status label, in Bahasa
// Indonesia exactly as the regulation writes it.
type Category string

// Length/height-for-age (PB/U, TB/U) categories.
const (
	SangatPendek Category = "sangat pendek" // z < -3 (severely stunted)
	Pendek       Category = "pendek"        // -3 <= z < -2 (stunted)
	TBNormal     Category = "normal"        // -2 <= z <= +3
	Tinggi       Category = "tinggi"        // z > +3
)

// Weight-for-age (BB/U) categories.
const (
	BBSangatKurang Category = "berat badan sangat kurang" // z < -3
	BBKurang       Category = "berat badan kurang"        // -3 <= z < -2 (underweight)
	BBNormal       Category = "berat badan normal"        // -2 <= z <= +1
	RisikoBBLebih  Category = "risiko berat badan lebih"  // z > +1
)

// Weight-for-length/height (BB/PB, BB/TB) and BMI-for-age (IMT/U, 0-60
// months) categories.
const (
	GiziBuruk         Category = "gizi buruk"          // z < -3 (severe wasting)
	GiziKurang        Category = "gizi kurang"         // -3 <= z < -2 (wasting)
	GiziBaik          Category = "gizi baik"           // -2 <= z <= +1
	BerisikoGiziLebih Category = "berisiko gizi lebih" // +1 < z <= +2
	GiziLebih         Category = "gizi lebih"          // +2 < z <= +3
	Obesitas          Category = "obesitas"            // z > +3
)

// ClassifyTBU returns the length/height-for-age category of z after
// rounding it to 2 decimals, so -2.0014 (shown as -2.00) is TBNormal.
func ClassifyTBU(z float64) Category {
	switch r := round2(z); {
	case r < -3:
		return SangatPendek
	case r < -2:
		return Pendek
	case r <= 3:
		return TBNormal
	default:
		return Tinggi
	}
}

// ClassifyBBU returns the weight-for-age category of z after rounding it to
// 2 decimals.
func ClassifyBBU(z float64) Category {
	switch r := round2(z); {
	case r < -3:
		return BBSangatKurang
	case r < -2:
		return BBKurang
	case r <= 1:
		return BBNormal
	default:
		return RisikoBBLebih
	}
}

// ClassifyBBTB returns the weight-for-length/height category of z after
// rounding it to 2 decimals. BMI-for-age (IMT/U) uses the same categories
// for children 0-60 months.
func ClassifyBBTB(z float64) Category {
	switch r := round2(z); {
	case r < -3:
		return GiziBuruk
	case r < -2:
		return GiziKurang
	case r <= 1:
		return GiziBaik
	case r <= 2:
		return BerisikoGiziLebih
	case r <= 3:
		return GiziLebih
	default:
		return Obesitas
	}
}
