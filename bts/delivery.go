package bts

import (
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/bts/anthro"
	"github.com/antrian/antrian/bts/photo"
	"github.com/antrian/antrian/fault"
)

// ItemKind is a kind of animal protein delivered.
type ItemKind string

// Item kinds.
const (
	Telur   ItemKind = "telur"   // eggs
	Ikan    ItemKind = "ikan"    // fish
	Ayam    ItemKind = "ayam"    // chicken
	Daging  ItemKind = "daging"  // meat
	Hati    ItemKind = "hati"    // liver
	Lainnya ItemKind = "lainnya" // other
)

// ItemKinds lists the kinds in the order forms show them.
var ItemKinds = []ItemKind{Telur, Ikan, Ayam, Daging, Hati, Lainnya}

// Item is one line of a delivery.
type Item struct {
	Kind    ItemKind `json:"kind"`
	Qty     float64  `json:"qty"`      // pieces (eggs) or portions
	PriceRp int      `json:"price_rp"` // total price of this line
	Note    string   `json:"note,omitempty"`
}

// Consumption is whether the target ate the food.
type Consumption string

// Consumption values.
const (
	Habis        Consumption = "habis"         // eaten up
	Sisa         Consumption = "sisa"          // partly eaten
	TidakDimakan Consumption = "tidak_dimakan" // not eaten
)

// Status is the nutritionist's verdict on a delivery report.
type Status string

// Statuses of a delivery report.
const (
	Pending  Status = "pending"
	Verified Status = "verified"
	Rejected Status = "rejected"
)

// Delivery is one day's delivery report for one target.
type Delivery struct {
	ID          int64
	ClientID    string // made by the cadre's phone; the idempotency key
	EnrolmentID int64
	TargetName  string // the enrolled child's or woman's name, as stored
	Facility    string
	DeliveredOn time.Time // the day in the facility's time zone
	CadreID     int64
	Cadre       string
	Items       []Item
	TotalRp     int
	Consumption Consumption
	Notes       string
	Photo       PhotoRef
	ReceivedAt  time.Time
	Status      Status
	ReviewNote  string
	ReviewedBy  string
	ReviewedAt  *time.Time
}

// PhotoRef is a stored photo and the verification data read from the
// uploaded file.
type PhotoRef struct {
	Hash  string // sha256 hex of the stored image: its name in the photo store
	Bytes int
	Meta  photo.Meta
}

var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// Validate checks a new report against its enrolment on the facility's day
// today. The day must be one the target is enrolled on, not in the future,
// and at most MaxLateDays ago. It fills TotalRp. It returns a *fault.Error.
func (d *Delivery) Validate(e Enrolment, today time.Time) error {
	switch {
	case !clientIDPattern.MatchString(d.ClientID):
		return fault.Invalid("client_id", "client_id harus 8-64 huruf, angka, - atau _.")
	case d.DeliveredOn.IsZero() || dateOf(d.DeliveredOn).After(dateOf(today)):
		return fault.Invalid("date", "Tanggal tidak boleh kosong atau di masa depan.")
	case anthro.AgeDays(d.DeliveredOn, today) > MaxLateDays:
		return fault.Invalid("date", "Laporan lebih dari 30 hari yang lalu tidak bisa dikirim.")
	case !e.ActiveOn(d.DeliveredOn):
		return fault.Invalid("date", "Sasaran tidak terdaftar intervensi pada tanggal itu.")
	case len(d.Items) == 0:
		return fault.Invalid("items", "Isi paling sedikit satu bahan pangan.")
	case len(d.Items) > 10:
		return fault.Invalid("items", "Terlalu banyak baris bahan pangan.")
	case d.Consumption != Habis && d.Consumption != Sisa && d.Consumption != TidakDimakan:
		return fault.Invalid("consumption", "Pilih habis, sisa atau tidak dimakan.")
	case utf8.RuneCountInString(d.Notes) > 500:
		return fault.Invalid("notes", "Catatan paling banyak 500 huruf.")
	}
	d.TotalRp = 0
	for _, it := range d.Items {
		switch {
		case !validKind(it.Kind):
			return fault.Invalid("items", "Jenis bahan pangan tidak dikenal: "+string(it.Kind)+".")
		case !(it.Qty > 0 && it.Qty <= 100):
			return fault.Invalid("items", "Jumlah harus lebih dari 0.")
		case it.PriceRp < 0 || it.PriceRp > 1_000_000:
			return fault.Invalid("items", "Harga tidak masuk akal.")
		case utf8.RuneCountInString(it.Note) > 100:
			return fault.Invalid("items", "Keterangan bahan terlalu panjang.")
		}
		d.TotalRp += it.PriceRp
	}
	return nil
}

// MaxLateDays is how many days after the delivery a report is still taken.
const MaxLateDays = 30

func validKind(k ItemKind) bool {
	for _, x := range ItemKinds {
		if k == x {
			return true
		}
	}
	return false
}

// Late reports whether the report arrived after its day ended in loc.
func (d Delivery) Late(loc *time.Location) bool {
	return Date(d.ReceivedAt, loc).After(dateOf(d.DeliveredOn))
}

// Review returns the delivery with the nutritionist's verdict. Only a
// pending report can be reviewed, and a rejection needs a note; it returns
// fault.ErrConflict or a *fault.Error otherwise.
func (d Delivery) Review(verdict Status, note, by string, at time.Time) (Delivery, error) {
	switch {
	case verdict != Verified && verdict != Rejected:
		return d, fault.Invalid("status", "Status harus verified atau rejected.")
	case verdict == Rejected && note == "":
		return d, fault.Invalid("note", "Tulis alasan penolakan.")
	case utf8.RuneCountInString(note) > 300:
		return d, fault.Invalid("note", "Catatan terlalu panjang.")
	case d.Status != Pending:
		return d, fault.ErrConflict
	}
	d.Status, d.ReviewNote, d.ReviewedBy, d.ReviewedAt = verdict, note, by, &at
	return d, nil
}

// Why a report's photo needs a closer look before it is verified.
const (
	PhotoNoEXIF     = "noexif"     // no capture time in its EXIF
	PhotoUnreadable = "unreadable" // a capture time that cannot be read
	PhotoFar        = "far"        // taken more than a day from the delivery day
)

// PhotoWarning is why a report's photo needs a closer look: Kind is one of
// the Photo constants; for PhotoFar, Taken is the capture day and Days how
// far it is from the delivery day.
type PhotoWarning struct {
	Kind  string
	Taken time.Time
	Days  int
}

// PhotoWarning says why the report's photo needs a closer look before it is
// verified, or nil when it does not: no capture time in its EXIF, or one
// more than a day from the delivery day (phones write local time, so a day
// either way is allowed).
func (d Delivery) PhotoWarning() *PhotoWarning {
	takenAt := d.Photo.Meta.TakenAt
	if takenAt == "" {
		return &PhotoWarning{Kind: PhotoNoEXIF}
	}
	taken, err := time.Parse(time.DateOnly, takenAt[:min(10, len(takenAt))])
	if err != nil || d.DeliveredOn.IsZero() {
		return &PhotoWarning{Kind: PhotoUnreadable}
	}
	if days := anthro.AgeDays(taken, d.DeliveredOn); days > 1 || days < -1 {
		return &PhotoWarning{Kind: PhotoFar, Taken: taken, Days: max(days, -days)}
	}
	return nil
}
