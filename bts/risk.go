package bts

// RiskCode names a high-risk criterion of a pregnancy (bumil risti), so
// that a page can say it in its own language: RiskReasons writes the
// criteria in Bahasa Indonesia, and staff record extra risks as text.
type RiskCode string

// The criteria RiskReasons finds in the recorded data, then the extra risks
// that forms offer staff to record (Pregnancy.Risks).
const (
	RiskYoung        RiskCode = "young"        // age under 20
	RiskOld          RiskCode = "old"          // age over 35
	RiskParity       RiskCode = "parity"       // parity 4 or more
	RiskShort        RiskCode = "short"        // height under 145 cm
	RiskKEK          RiskCode = "kek"          // chronic energy deficiency (LiLA under 23.5 cm)
	RiskAnaemia      RiskCode = "anaemia"      // Hb under 11 g/dL
	RiskHypertension RiskCode = "hypertension" // 140/90 or more
	RiskObstetric    RiskCode = "obstetri"     // poor obstetric history
	RiskChronic      RiskCode = "kronis"       // chronic disease
	RiskSpacing      RiskCode = "jarak"        // under 2 years since the previous pregnancy
	RiskMultiple     RiskCode = "ganda"        // multiple pregnancy
)

// Risk is a criterion and the text it is written and stored as.
type Risk struct {
	Code RiskCode
	Text string // as RiskReasons returns it, or as a form records it
	// Recorded is set for the risks that staff record, which forms offer
	// as choices; the others RiskReasons finds in the data.
	Recorded bool
}

// Risks are the criteria of RiskReasons and the usual recorded risks, in
// the order pages show them. A reason not listed here is one that staff
// wrote themselves.
var Risks = []Risk{
	{RiskYoung, "usia < 20 tahun", false},
	{RiskOld, "usia > 35 tahun", false},
	{RiskParity, "paritas >= 4", false},
	{RiskShort, "tinggi < 145 cm", false},
	{RiskKEK, "KEK (LiLA < 23,5 cm)", false},
	{RiskAnaemia, "anemia (Hb < 11 g/dL)", false},
	{RiskHypertension, "hipertensi", false},
	{RiskObstetric, "riwayat obstetri buruk", true},
	{RiskChronic, "penyakit kronis", true},
	{RiskSpacing, "jarak kehamilan < 2 tahun", true},
	{RiskMultiple, "kehamilan ganda", true},
}
