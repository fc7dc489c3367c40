package web

import (
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/bts"
	"github.com/antrian/antrian/bts/anthro"
)

// The JSON shapes of the BTS API (docs/bts.md), and their conversion from
// and to the types of package bts.

type addressJSON struct {
	Kecamatan  string   `json:"kecamatan"`
	Desa       string   `json:"desa"`
	DesaName   string   `json:"desa_name"`
	PosyanduID int64    `json:"posyandu_id,omitempty"`
	Posyandu   string   `json:"posyandu"`
	RT         string   `json:"rt"`
	RW         string   `json:"rw"`
	Address    string   `json:"address"`
	Lat        *float64 `json:"lat"`
	Lon        *float64 `json:"lon"`
}

func (a addressJSON) domain() bts.Address {
	return bts.Address{Desa: a.Desa, PosyanduID: a.PosyanduID, RT: a.RT, RW: a.RW, Street: a.Address, Lat: a.Lat, Lon: a.Lon}
}

func toAddressJSON(a bts.Address) addressJSON {
	return addressJSON{Kecamatan: a.Kecamatan, Desa: a.Desa, DesaName: a.DesaName, PosyanduID: a.PosyanduID,
		Posyandu: a.Posyandu, RT: a.RT, RW: a.RW, Address: a.Street, Lat: a.Lat, Lon: a.Lon}
}

type childJSON struct {
	ID            int64   `json:"id"`
	Facility      string  `json:"facility"`
	NIK           string  `json:"nik"`
	Name          string  `json:"name"`
	Sex           string  `json:"sex"` // L or P
	BirthDate     string  `json:"birth_date"`
	BirthWeightKg float64 `json:"birth_weight_kg,omitempty"`
	BirthLengthCm float64 `json:"birth_length_cm,omitempty"`
	MotherName    string  `json:"mother_name"`
	MotherNIK     string  `json:"mother_nik"`
	KK            string  `json:"kk"`
	addressJSON
	PoorBasis string `json:"poor_basis"`
}

// domain is the child to register at facility. Sex is L or P (1 or 2);
// anything else is left for the registration to refuse.
func (r childJSON) domain(facility string) (bts.Child, error) {
	birth, err := bts.ParseDate("birth_date", r.BirthDate)
	if err != nil {
		return bts.Child{}, err
	}
	var sex anthro.Sex
	switch strings.ToUpper(r.Sex) {
	case "L", "1":
		sex = anthro.Male
	case "P", "2":
		sex = anthro.Female
	}
	return bts.Child{Facility: facility, NIK: r.NIK, Name: r.Name, Sex: sex, BirthDate: birth,
		BirthWeightKg: r.BirthWeightKg, BirthLengthCm: r.BirthLengthCm, MotherName: r.MotherName,
		MotherNIK: r.MotherNIK, KK: r.KK, Address: r.addressJSON.domain(), PoorBasis: r.PoorBasis}, nil
}

func sexCode(s anthro.Sex) string {
	if s == anthro.Female {
		return "P"
	}
	return "L"
}

func toChildJSON(c bts.Child) childJSON {
	return childJSON{ID: c.ID, Facility: c.Facility, NIK: c.NIK, Name: c.Name, Sex: sexCode(c.Sex),
		BirthDate: c.BirthDate.Format(time.DateOnly), BirthWeightKg: c.BirthWeightKg, BirthLengthCm: c.BirthLengthCm,
		MotherName: c.MotherName, MotherNIK: c.MotherNIK, KK: c.KK, addressJSON: toAddressJSON(c.Address), PoorBasis: c.PoorBasis}
}

type measurementJSON struct {
	ID         int64   `json:"id"`
	MeasuredOn string  `json:"measured_on"`
	WeightKg   float64 `json:"weight_kg,omitempty"`
	LenHeiCm   float64 `json:"lenhei_cm,omitempty"`
	Measure    string  `json:"measure"`
	LiLACm     float64 `json:"lila_cm,omitempty"`
	HeadCm     float64 `json:"head_cm,omitempty"`
	Oedema     bool    `json:"oedema"`
	MeasuredBy string  `json:"measured_by"`
	Place      string  `json:"place"`
	TicketID   string  `json:"ticket_id,omitempty"`
	PosyanduID int64   `json:"posyandu_id,omitempty"`

	Method    string   `json:"method"`
	AgeDays   int      `json:"age_days"`
	AgeMonths int      `json:"age_months"`
	ClenHei   float64  `json:"clenhei,omitempty"`
	BMI       float64  `json:"bmi,omitempty"`
	ZLen      *float64 `json:"zlen"`
	ZWei      *float64 `json:"zwei"`
	ZWFL      *float64 `json:"zwfl"`
	ZBMI      *float64 `json:"zbmi"`
	FLen      bool     `json:"flen"`
	FWei      bool     `json:"fwei"`
	FWFL      bool     `json:"fwfl"`
	FBMI      bool     `json:"fbmi"`
	TBU       string   `json:"tbu"`
	BBU       string   `json:"bbu"`
	BBTB      string   `json:"bbtb"`
	IMTU      string   `json:"imtu"`
}

// domain is what was measured; the service fills the defaults.
func (r measurementJSON) domain() (bts.MeasurementInput, error) {
	on, err := bts.ParseDate("measured_on", r.MeasuredOn)
	if err != nil {
		return bts.MeasurementInput{}, err
	}
	measure, err := anthro.ParseMeasure(r.Measure)
	if err != nil {
		return bts.MeasurementInput{}, err
	}
	return bts.MeasurementInput{MeasuredOn: on, WeightKg: r.WeightKg, LenHeiCm: r.LenHeiCm, Measure: measure,
		LiLACm: r.LiLACm, HeadCm: r.HeadCm, Oedema: r.Oedema, MeasuredBy: r.MeasuredBy, Place: bts.Place(r.Place),
		TicketID: r.TicketID, PosyanduID: r.PosyanduID}, nil
}

func zJSON(s anthro.Score) *float64 {
	if !s.Valid {
		return nil
	}
	z := s.Rounded()
	return &z
}

func toMeasurementJSON(m bts.Measurement) measurementJSON {
	r := m.Result
	return measurementJSON{ID: m.ID, MeasuredOn: m.MeasuredOn.Format(time.DateOnly), WeightKg: m.WeightKg,
		LenHeiCm: m.LenHeiCm, Measure: m.Measure.Code(), LiLACm: m.LiLACm, HeadCm: m.HeadCm, Oedema: m.Oedema,
		MeasuredBy: m.MeasuredBy, Place: string(m.Place), TicketID: m.TicketID, PosyanduID: m.PosyanduID,
		Method: r.Method.String(), AgeDays: r.AgeDays, AgeMonths: r.AgeMonths, ClenHei: r.AdjustedLenHei, BMI: r.BMI,
		ZLen: zJSON(r.ZLen), ZWei: zJSON(r.ZWei), ZWFL: zJSON(r.ZWFL), ZBMI: zJSON(r.ZBMI),
		FLen: r.FLen, FWei: r.FWei, FWFL: r.FWFL, FBMI: r.FBMI,
		TBU: string(r.TBU), BBU: string(r.BBU), BBTB: string(r.BBTB), IMTU: string(r.IMTU)}
}

type suggestionJSON struct {
	TargetType string `json:"target_type"`
	Reason     string `json:"reason"`
}

func toSuggestionJSON(sg *bts.Suggestion) *suggestionJSON {
	if sg == nil {
		return nil
	}
	return &suggestionJSON{string(sg.Target), sg.Reason}
}

type pregnancyJSON struct {
	ID        int64    `json:"id"`
	Facility  string   `json:"facility"`
	NIK       string   `json:"nik"`
	Name      string   `json:"name"`
	BirthDate string   `json:"birth_date"`
	HPHT      string   `json:"hpht"`
	Gravida   int      `json:"gravida"`
	Parity    int      `json:"parity"`
	HeightCm  float64  `json:"height_cm"`
	LiLACm    float64  `json:"lila_cm"`
	HbGdL     float64  `json:"hb_g_dl"`
	Systolic  int      `json:"systolic"`
	Diastolic int      `json:"diastolic"`
	Risks     []string `json:"risks"`
	addressJSON
	PoorBasis        string          `json:"poor_basis"`
	GestationalWeeks int             `json:"gestational_weeks"`
	Suggestion       *suggestionJSON `json:"suggestion"`
}

// domain is the pregnancy to register at facility.
func (r pregnancyJSON) domain(facility string) (bts.Pregnancy, error) {
	birth, err := bts.ParseDate("birth_date", r.BirthDate)
	if err != nil {
		return bts.Pregnancy{}, err
	}
	hpht, err := bts.ParseDate("hpht", r.HPHT)
	if err != nil {
		return bts.Pregnancy{}, err
	}
	return bts.Pregnancy{Facility: facility, NIK: r.NIK, Name: r.Name, BirthDate: birth, HPHT: hpht,
		Gravida: r.Gravida, Parity: r.Parity, HeightCm: r.HeightCm, LiLACm: r.LiLACm, HbGdL: r.HbGdL,
		Systolic: r.Systolic, Diastolic: r.Diastolic, Risks: r.Risks, Address: r.addressJSON.domain(), PoorBasis: r.PoorBasis}, nil
}

func dateString(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func toPregnancyJSON(r bts.PregnancyRecord) pregnancyJSON {
	p := r.Pregnancy
	return pregnancyJSON{ID: p.ID, Facility: p.Facility, NIK: p.NIK, Name: p.Name, BirthDate: dateString(p.BirthDate),
		HPHT: dateString(p.HPHT), Gravida: p.Gravida, Parity: p.Parity, HeightCm: p.HeightCm, LiLACm: p.LiLACm,
		HbGdL: p.HbGdL, Systolic: p.Systolic, Diastolic: p.Diastolic, Risks: p.Risks, addressJSON: toAddressJSON(p.Address),
		PoorBasis: p.PoorBasis, GestationalWeeks: r.Weeks, Suggestion: toSuggestionJSON(r.Suggestion)}
}

type enrolmentJSON struct {
	ID          int64  `json:"id"`
	Facility    string `json:"facility"`
	TargetType  string `json:"target_type"`
	ChildID     int64  `json:"child_id,omitempty"`
	PregnancyID int64  `json:"pregnancy_id,omitempty"`
	TargetName  string `json:"target_name"`
	Desa        string `json:"desa"`
	Reason      string `json:"reason"`
	Start       string `json:"start"`
	End         string `json:"end"`
	AllowanceRp int    `json:"allowance_rp"`
	Cadre       string `json:"cadre"`
	Supplier    string `json:"supplier"`
	ExitReason  string `json:"exit_reason,omitempty"`
	ExitedOn    string `json:"exited_on,omitempty"`
}

// domain is the enrolment to make at facility.
func (r enrolmentJSON) domain(facility string) (bts.Enrolment, error) {
	start, err := bts.ParseDate("start", r.Start)
	if err != nil {
		return bts.Enrolment{}, err
	}
	end, err := bts.ParseDate("end", r.End)
	if err != nil {
		return bts.Enrolment{}, err
	}
	return bts.Enrolment{Facility: facility, Target: bts.TargetType(r.TargetType), ChildID: r.ChildID,
		PregnancyID: r.PregnancyID, Reason: r.Reason, Start: start, End: end, AllowanceRp: r.AllowanceRp,
		Cadre: r.Cadre, Supplier: r.Supplier}, nil
}

func toEnrolmentJSON(e bts.Enrolment) enrolmentJSON {
	return enrolmentJSON{ID: e.ID, Facility: e.Facility, TargetType: string(e.Target), ChildID: e.ChildID,
		PregnancyID: e.PregnancyID, TargetName: e.TargetName, Desa: e.Desa, Reason: e.Reason,
		Start: dateString(e.Start), End: dateString(e.End), AllowanceRp: e.AllowanceRp, Cadre: e.Cadre,
		Supplier: e.Supplier, ExitReason: e.ExitReason, ExitedOn: dateString(e.ExitedOn)}
}

type deliveryJSON struct {
	ID          int64      `json:"id"`
	ClientID    string     `json:"client_id"`
	EnrolmentID int64      `json:"enrolment_id"`
	Facility    string     `json:"facility"`
	Date        string     `json:"date"`
	Cadre       string     `json:"cadre"`
	Items       []bts.Item `json:"items"`
	TotalRp     int        `json:"total_rp"`
	Consumption string     `json:"consumption"`
	Notes       string     `json:"notes"`
	PhotoURL    string     `json:"photo_url"`
	ReceivedAt  time.Time  `json:"received_at"`
	Late        bool       `json:"late"`
	Status      string     `json:"status"`
	ReviewNote  string     `json:"review_note,omitempty"`
	ReviewedBy  string     `json:"reviewed_by,omitempty"`
	ReviewedAt  *time.Time `json:"reviewed_at,omitempty"`
	// Verification holds what the photo's EXIF said: shown to the
	// nutritionist and the Dinas Kesehatan, never to other cadres, and
	// never inside the served image.
	Verification *verificationJSON `json:"verification,omitempty"`
}

type verificationJSON struct {
	TakenAt string   `json:"taken_at"`
	Lat     *float64 `json:"lat"`
	Lon     *float64 `json:"lon"`
}

// toDeliveryJSON renders a report in its facility's zone loc, with the
// photo's verification data when verification is true.
func toDeliveryJSON(d bts.Delivery, loc *time.Location, verification bool) deliveryJSON {
	out := deliveryJSON{ID: d.ID, ClientID: d.ClientID, EnrolmentID: d.EnrolmentID, Facility: d.Facility,
		Date: dateString(d.DeliveredOn), Cadre: d.Cadre, Items: d.Items, TotalRp: d.TotalRp,
		Consumption: string(d.Consumption), Notes: d.Notes,
		PhotoURL:   "/api/v1/bts/facilities/" + d.Facility + "/deliveries/" + strconv.FormatInt(d.ID, 10) + "/photo",
		ReceivedAt: d.ReceivedAt.In(loc), Late: d.Late(loc), Status: string(d.Status), ReviewNote: d.ReviewNote,
		ReviewedBy: d.ReviewedBy, ReviewedAt: d.ReviewedAt}
	if verification {
		out.Verification = &verificationJSON{TakenAt: d.Photo.Meta.TakenAt, Lat: d.Photo.Meta.Lat, Lon: d.Photo.Meta.Lon}
	}
	return out
}

// toDeliveriesJSON renders a list of reports (never null).
func toDeliveriesJSON(ds []bts.Delivery, loc *time.Location, verification bool) []deliveryJSON {
	return each(ds, func(d bts.Delivery) deliveryJSON { return toDeliveryJSON(d, loc, verification) })
}

// each renders every element of xs with f: a JSON array, never null.
func each[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
