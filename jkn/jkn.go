// Package jkn is the provider side of BPJS Antrean FKTP: the web service a
// Puskesmas hosts so that the Mobile JKN app can take, follow and cancel
// tickets. Tickets taken here are ordinary queue tickets of channel jkn:
// they come from the same atomic numbering as web, kiosk and desk tickets
// and appear on the same screens.
//
// Every refusal is an *Error carrying the BPJS metadata code (201, or 202
// for a patient the facility does not know yet) and a message for Mobile
// JKN. Card numbers and NIKs are never logged or put in errors.
package jkn

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/antrian/antrian/account"
	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
)

// Metadata codes of the BPJS envelope.
const (
	CodeOK         = 200
	CodeFailed     = 201
	CodeNewPatient = 202
)

// Error is a refusal to show Mobile JKN: metadata code and message.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("jkn %d: %s", e.Code, e.Message) }

func fail(msg string) error { return &Error{Code: CodeFailed, Message: msg} }

// Store is the storage the service needs; postgres.DB implements it.
// Lookups of something missing return an error wrapping fault.ErrNotFound.
type Store interface {
	JKNAccount(ctx context.Context, facility string) (username, passwordHash string, err error)
	SaveJKNAccount(ctx context.Context, facility, username, passwordHash string) error
	JKNPoli(ctx context.Context, facility string) ([]queue.Poli, error)
	SaveJKNPoli(ctx context.Context, facility string, polis []queue.Poli) error
	SaveJKNToken(ctx context.Context, facility, username string, tokenHash []byte, expires time.Time) error
	JKNTokenValid(ctx context.Context, facility, username string, tokenHash []byte, now time.Time) (bool, error)
	JKNDay(ctx context.Context, facility, unit, date string) (queue.Day, error)
	JKNTicket(ctx context.Context, facility, unit, date, card string) (string, error)
	JKNPatient(ctx context.Context, facility, card string) (queue.Patient, error)
	SaveJKNPatient(ctx context.Context, facility string, p queue.Patient) (queue.Patient, error)
}

// Service answers Mobile JKN for every facility of the deployment.
type Service struct {
	Queue *queue.Service
	Store Store
	Log   *slog.Logger
	Now   func() time.Time
	// TokenTTL is how long an x-token lasts; default one hour.
	TokenTTL time.Duration
	// Link returns the tracking page of a ticket (with its token); nil: none.
	Link func(ticketID string) string
}

func (s *Service) ttl() time.Duration {
	if s.TokenTTL > 0 {
		return s.TokenTTL
	}
	return time.Hour
}

var errBadLogin = fail("Username atau password tidak sesuai.")

// Auth checks the facility's Mobile JKN credentials and returns a new
// x-token. Errors: *Error (201) for wrong credentials, else storage errors.
func (s *Service) Auth(ctx context.Context, facility, username, password string) (string, error) {
	if username == "" || password == "" || len(password) > 1024 {
		return "", errBadLogin
	}
	user, hash, err := s.Store.JKNAccount(ctx, facility)
	if errors.Is(err, fault.ErrNotFound) {
		account.CheckDummy(password)
		return "", errBadLogin
	}
	if err != nil {
		return "", err
	}
	okUser := subtle.ConstantTimeCompare([]byte(user), []byte(username)) == 1
	if !account.CheckPassword(hash, password) || !okUser {
		return "", errBadLogin
	}
	token := account.NewSecret()
	if err := s.Store.SaveJKNToken(ctx, facility, username, account.HashSecret(token), s.Now().Add(s.ttl())); err != nil {
		return "", err
	}
	return token, nil
}

// Authorize checks the x-username and x-token of a call. Errors: *Error
// (201) for a missing, wrong or expired token, else storage errors.
func (s *Service) Authorize(ctx context.Context, facility, username, token string) error {
	if username == "" || token == "" {
		return fail("Token tidak ditemukan. Minta token baru melalui auth.")
	}
	ok, err := s.Store.JKNTokenValid(ctx, facility, username, account.HashSecret(token), s.Now())
	if err != nil {
		return err
	}
	if !ok {
		return fail("Token tidak valid atau sudah kedaluwarsa.")
	}
	return nil
}

// poli finds the unit of a PCare poli code.
func (s *Service) poli(ctx context.Context, facility, kodepoli string) (queue.Facility, queue.Unit, queue.Poli, error) {
	if kodepoli == "" {
		return queue.Facility{}, queue.Unit{}, queue.Poli{}, fail("Kode poli tidak boleh kosong.")
	}
	polis, err := s.Store.JKNPoli(ctx, facility)
	if err != nil {
		return queue.Facility{}, queue.Unit{}, queue.Poli{}, err
	}
	var p queue.Poli
	var want []string // the mapped unit, to find it even if just added
	for _, q := range polis {
		if q.KodePoli == kodepoli {
			p, want = q, []string{q.Unit}
		}
	}
	f, units, err := s.Queue.FacilityWithUnits(ctx, facility, want...)
	if errors.Is(err, fault.ErrNotFound) {
		return f, queue.Unit{}, queue.Poli{}, fail("Faskes tidak ditemukan.")
	}
	if err != nil {
		return f, queue.Unit{}, queue.Poli{}, err
	}
	for _, u := range units {
		if want != nil && u.Code == p.Unit {
			return f, u, p, nil
		}
	}
	return f, queue.Unit{}, queue.Poli{}, fail("Poli tidak ditemukan.")
}

// checkDate accepts a yyyy-mm-dd date from the facility's today on.
func checkDate(f queue.Facility, date string, now time.Time) error {
	d, err := time.ParseInLocation(time.DateOnly, date, f.Location)
	if err != nil || d.Format(time.DateOnly) != date {
		return fail("Format tanggal periksa tidak sesuai, seharusnya yyyy-mm-dd.")
	}
	if date < f.Today(now) {
		return fail("Tanggal periksa tidak berlaku: tidak boleh sebelum hari ini.")
	}
	return nil
}

func digits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func checkCard(card string) error {
	if !digits(card, 13) {
		return fail("Nomor kartu tidak valid: harus 13 digit angka.")
	}
	return nil
}

func checkNIK(nik string) error {
	if !digits(nik, 16) {
		return fail("NIK tidak valid: harus 16 digit angka.")
	}
	if err := queue.ValidateNIK(nik); err != nil {
		return fail("NIK tidak valid: " + fieldMessage(err))
	}
	return nil
}

func fieldMessage(err error) string {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe.Message
	}
	return "data tidak valid."
}

func current(code string) string {
	if code == "" {
		return "-"
	}
	return code
}

// Status is the answer to antrean/status.
type Status struct {
	NamaPoli       string `json:"namapoli"`
	TotalAntrean   int    `json:"totalantrean"`
	SisaAntrean    int    `json:"sisaantrean"`
	AntreanPanggil string `json:"antreanpanggil"`
	Keterangan     string `json:"keterangan"`
}

// Status reports a poli's queue on date. Errors: *Error (201) for an
// unknown poli or a bad date, else storage errors.
func (s *Service) Status(ctx context.Context, facility, kodepoli, date string) (Status, error) {
	f, u, _, err := s.poli(ctx, facility, kodepoli)
	if err != nil {
		return Status{}, err
	}
	if err := checkDate(f, date, s.Now()); err != nil {
		return Status{}, err
	}
	d, err := s.Store.JKNDay(ctx, facility, u.Code, date)
	if err != nil {
		return Status{}, err
	}
	st := Status{NamaPoli: u.Name, TotalAntrean: d.Total, SisaAntrean: d.Waiting, AntreanPanggil: current(d.Current)}
	day, _ := time.ParseInLocation(time.DateOnly, date, f.Location)
	if !u.OpenOn(day) {
		st.Keterangan = "Poli tutup pada tanggal tersebut."
	} else {
		st.Keterangan = practiceText(u.SessionsOn(day.Weekday()))
	}
	return st, nil
}

// practiceText tells a day's practice sessions: "Jam praktik 07:30-12:00
// (dr. Sari), 13:00-15:00 (Bidan Rina)."; "" without sessions.
func practiceText(sessions []queue.Session) string {
	if len(sessions) == 0 {
		return ""
	}
	parts := make([]string, len(sessions))
	for i, p := range sessions {
		parts[i] = p.Hours()
		if p.Staff != "" {
			parts[i] += " (" + p.Staff + ")"
		}
	}
	return "Jam praktik " + strings.Join(parts, ", ") + "."
}

// BookRequest is the body of POST antrean.
type BookRequest struct {
	NomorKartu     string `json:"nomorkartu"`
	NIK            string `json:"nik"`
	NoHP           string `json:"nohp"`
	KodePoli       string `json:"kodepoli"`
	NoRM           string `json:"norm"`
	TanggalPeriksa string `json:"tanggalperiksa"`
	KodeDokter     any    `json:"kodedokter"`
	JamPraktek     string `json:"jampraktek"`
	Keluhan        string `json:"keluhan"`
}

// Booked is the answer to POST antrean.
type Booked struct {
	NomorAntrean   string `json:"nomorantrean"`
	AngkaAntrean   int    `json:"angkaantrean"`
	NamaPoli       string `json:"namapoli"`
	SisaAntrean    int    `json:"sisaantrean"`
	AntreanPanggil string `json:"antreanpanggil"`
	Keterangan     string `json:"keterangan"`
	// TicketID is the queue ticket, for logs and tests; not sent to BPJS.
	TicketID string `json:"-"`
}

var errDuplicate = fail("Nomor antrean hanya dapat diambil 1 kali pada tanggal dan poli yang sama.")

// Book takes a ticket for a card holder. Errors: *Error (201) for every
// invalid input, a second ticket for the same card, poli and date, a full
// quota or a closed poli; *Error (202) for a card the facility does not
// know yet (Mobile JKN then calls peserta); else storage errors.
func (s *Service) Book(ctx context.Context, facility string, r BookRequest) (Booked, error) {
	if err := checkCard(r.NomorKartu); err != nil {
		return Booked{}, err
	}
	if err := checkNIK(r.NIK); err != nil {
		return Booked{}, err
	}
	f, u, _, err := s.poli(ctx, facility, r.KodePoli)
	if err != nil {
		return Booked{}, err
	}
	if err := checkDate(f, r.TanggalPeriksa, s.Now()); err != nil {
		return Booked{}, err
	}
	if utf8.RuneCountInString(r.Keluhan) > 500 || utf8.RuneCountInString(r.NoRM) > 30 {
		return Booked{}, fail("Keluhan atau nomor rekam medis terlalu panjang.")
	}
	p, err := s.Store.JKNPatient(ctx, facility, r.NomorKartu)
	switch {
	case errors.Is(err, fault.ErrNotFound) && r.NoRM == "":
		return Booked{}, &Error{Code: CodeNewPatient, Message: "Pasien baru: data peserta belum terdaftar di faskes. Silakan daftarkan melalui peserta."}
	case errors.Is(err, fault.ErrNotFound):
	case err != nil:
		return Booked{}, err
	case p.NIK != r.NIK:
		return Booked{}, fail("NIK tidak sesuai dengan nomor kartu yang terdaftar.")
	}
	if _, err := s.Store.JKNTicket(ctx, facility, u.Code, r.TanggalPeriksa, r.NomorKartu); err == nil {
		return Booked{}, errDuplicate
	} else if !errors.Is(err, fault.ErrNotFound) {
		return Booked{}, err
	}
	// nohp is not kept: BPJS has it, Mobile JKN tells the patient, and
	// family members booking from one phone must not count as one person.
	t, token, _, err := s.Queue.Book(ctx, queue.BookRequest{Facility: facility, Unit: u.Code, ServiceDate: r.TanggalPeriksa,
		Name: cleanName(p.Nama), NIK: r.NIK, BPJS: r.NomorKartu, Channel: string(queue.ChannelJKN)})
	var dup *queue.DuplicateError
	switch {
	case errors.As(err, &dup):
		return Booked{}, errDuplicate
	case errors.Is(err, queue.ErrQuotaFull):
		return Booked{}, fail("Kuota antrean poli pada tanggal tersebut sudah penuh.")
	case errors.Is(err, queue.ErrClosed):
		return Booked{}, fail("Poli tutup pada tanggal tersebut.")
	case errors.Is(err, fault.ErrInvalid):
		return Booked{}, fail(fieldMessage(err))
	case err != nil:
		return Booked{}, err
	}
	d, err := s.Store.JKNDay(ctx, facility, u.Code, r.TanggalPeriksa)
	if err != nil {
		s.Log.Warn("jkn: day state unavailable after booking", "ticket", t.ID, "err", err)
	}
	b := Booked{NomorAntrean: t.Code, AngkaAntrean: t.Number, NamaPoli: u.Name, SisaAntrean: t.Ahead,
		AntreanPanggil: current(d.Current), TicketID: t.ID}
	b.Keterangan = waitText(t, r.TanggalPeriksa == f.Today(s.Now()))
	if s.Link != nil {
		b.Keterangan += " Pantau antrean: " + s.Link(t.ID) + "#" + token
	}
	return b, nil
}

// cleanName keeps a registered name within what tickets accept.
func cleanName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r == '<' || r == '>' || r == 0 {
			return -1
		}
		return r
	}, strings.TrimSpace(n))
	if utf8.RuneCountInString(n) > 100 {
		n = string([]rune(n)[:100])
	}
	return n
}

func waitText(t queue.Ticket, today bool) string {
	if t.Status == queue.Booked {
		// A unit that requires check-in: her window, and how to come in.
		if !t.Window.IsZero() {
			return fmt.Sprintf("Perkiraan dilayani pukul %s. %s", t.Window.Text(), statusText[queue.Booked])
		}
		return statusText[queue.Booked]
	}
	if t.Status != queue.Waiting {
		return ""
	}
	ahead := fmt.Sprintf("%d orang di depan Anda.", t.Ahead)
	switch min := (t.EstimatedWaitS + 59) / 60; {
	case !today && !t.Window.IsZero():
		return fmt.Sprintf("%s Perkiraan dilayani pukul %s.", ahead, t.Window.Text())
	case min == 0:
		return ahead
	case today:
		return fmt.Sprintf("%s Perkiraan dipanggil sekitar %d menit lagi.", ahead, min)
	default:
		return fmt.Sprintf("%s Perkiraan dipanggil sekitar %d menit setelah poli buka.", ahead, min)
	}
}

// Remaining is the answer to antrean/sisapeserta.
type Remaining struct {
	NomorAntrean   string `json:"nomorantrean"`
	NamaPoli       string `json:"namapoli"`
	SisaAntrean    int    `json:"sisaantrean"`
	AntreanPanggil string `json:"antreanpanggil"`
	Keterangan     string `json:"keterangan"`
}

var statusText = map[queue.Status]string{
	queue.Booked:      "Silakan check-in saat tiba di puskesmas (kios atau loket); nomor Anda dipanggil setelah check-in.",
	queue.NoShow:      "Anda belum check-in sampai batas waktunya. Silakan lapor ke petugas.",
	queue.Called:      "Nomor Anda sedang dipanggil.",
	queue.Serving:     "Anda sedang dilayani.",
	queue.Done:        "Pelayanan sudah selesai.",
	queue.Skipped:     "Anda tidak hadir saat dipanggil. Silakan lapor ke petugas.",
	queue.Transferred: "Anda sudah diteruskan ke unit lain.",
}

// Remaining reports how many people are ahead of a card holder's ticket.
// Errors: *Error (201) for bad input or no ticket, else storage errors.
func (s *Service) Remaining(ctx context.Context, facility, card, kodepoli, date string) (Remaining, error) {
	if err := checkCard(card); err != nil {
		return Remaining{}, err
	}
	f, u, _, err := s.poli(ctx, facility, kodepoli)
	if err != nil {
		return Remaining{}, err
	}
	if err := checkDate(f, date, s.Now()); err != nil {
		return Remaining{}, err
	}
	t, err := s.ticket(ctx, facility, u.Code, date, card)
	if err != nil {
		return Remaining{}, err
	}
	d, err := s.Store.JKNDay(ctx, facility, u.Code, date)
	if err != nil {
		return Remaining{}, err
	}
	r := Remaining{NomorAntrean: t.Code, NamaPoli: u.Name, AntreanPanggil: current(d.Current)}
	if t.Status == queue.Waiting {
		r.SisaAntrean = t.Ahead
		r.Keterangan = waitText(t, date == f.Today(s.Now()))
	} else {
		r.Keterangan = statusText[t.Status]
	}
	return r, nil
}

func (s *Service) ticket(ctx context.Context, facility, unit, date, card string) (queue.Ticket, error) {
	id, err := s.Store.JKNTicket(ctx, facility, unit, date, card)
	if errors.Is(err, fault.ErrNotFound) {
		return queue.Ticket{}, fail("Antrean tidak ditemukan.")
	}
	if err != nil {
		return queue.Ticket{}, err
	}
	return s.Queue.Ticket(ctx, id)
}

// CancelRequest is the body of PUT antrean/batal.
type CancelRequest struct {
	NomorKartu     string `json:"nomorkartu"`
	KodePoli       string `json:"kodepoli"`
	TanggalPeriksa string `json:"tanggalperiksa"`
	Alasan         string `json:"alasan"`
}

// Cancel cancels a card holder's waiting ticket, as the patient. Errors:
// *Error (201) for bad input, no ticket, or a ticket already called or
// served; else storage errors.
func (s *Service) Cancel(ctx context.Context, facility string, r CancelRequest) error {
	if err := checkCard(r.NomorKartu); err != nil {
		return err
	}
	if strings.TrimSpace(r.Alasan) == "" {
		return fail("Alasan pembatalan tidak boleh kosong.")
	}
	f, u, _, err := s.poli(ctx, facility, r.KodePoli)
	if err != nil {
		return err
	}
	if err := checkDate(f, r.TanggalPeriksa, s.Now()); err != nil {
		return err
	}
	t, err := s.ticket(ctx, facility, u.Code, r.TanggalPeriksa, r.NomorKartu)
	if err != nil {
		return err
	}
	if t.Status != queue.Waiting && t.Status != queue.Booked {
		return fail("Antrean tidak dapat dibatalkan karena sudah dipanggil atau dilayani.")
	}
	_, err = s.Queue.CancelByPatient(ctx, t.ID, s.Queue.Token(t.ID))
	if errors.Is(err, fault.ErrConflict) {
		return fail("Antrean tidak dapat dibatalkan karena sudah dipanggil atau dilayani.")
	}
	return err
}

// Peserta is the body of POST peserta.
type Peserta struct {
	NomorKartu   string `json:"nomorkartu"`
	NIK          string `json:"nik"`
	NomorKK      string `json:"nomorkk"`
	Nama         string `json:"nama"`
	JenisKelamin string `json:"jeniskelamin"`
	TanggalLahir string `json:"tanggallahir"`
	Alamat       string `json:"alamat"`
	KodeProp     string `json:"kodeprop"`
	NamaProp     string `json:"namaprop"`
	KodeDati2    string `json:"kodedati2"`
	NamaDati2    string `json:"namadati2"`
	KodeKec      string `json:"kodekec"`
	NamaKec      string `json:"namakec"`
	KodeKel      string `json:"kodekel"`
	NamaKel      string `json:"namakel"`
	RW           string `json:"rw"`
	RT           string `json:"rt"`
}

// Registered is the answer to POST peserta.
type Registered struct {
	NoRM string `json:"norm"`
}

// Register records a new patient and returns the facility's medical
// record number for them; a card already registered gets its number again.
// Errors: *Error (201) for invalid data, else storage errors.
func (s *Service) Register(ctx context.Context, facility string, p Peserta) (Registered, error) {
	if err := checkCard(p.NomorKartu); err != nil {
		return Registered{}, err
	}
	if err := checkNIK(p.NIK); err != nil {
		return Registered{}, err
	}
	if !digits(p.NomorKK, 16) {
		return Registered{}, fail("Nomor KK tidak valid: harus 16 digit angka.")
	}
	nama := strings.TrimSpace(p.Nama)
	if nama == "" || utf8.RuneCountInString(nama) > 100 || strings.ContainsAny(nama, "<>\x00") {
		return Registered{}, fail("Nama tidak boleh kosong, maksimal 100 huruf.")
	}
	if p.JenisKelamin != "L" && p.JenisKelamin != "P" {
		return Registered{}, fail("Jenis kelamin harus L atau P.")
	}
	born, err := time.Parse(time.DateOnly, p.TanggalLahir)
	if err != nil || born.After(s.Now()) || born.Year() < 1900 {
		return Registered{}, fail("Tanggal lahir tidak valid, seharusnya yyyy-mm-dd dan tidak di masa depan.")
	}
	for _, f := range []struct{ v, name string }{
		{p.Alamat, "Alamat"}, {p.KodeProp, "Kode propinsi"}, {p.NamaProp, "Nama propinsi"},
		{p.KodeDati2, "Kode dati 2"}, {p.NamaDati2, "Nama dati 2"}, {p.KodeKec, "Kode kecamatan"},
		{p.NamaKec, "Nama kecamatan"}, {p.KodeKel, "Kode kelurahan"}, {p.NamaKel, "Nama kelurahan"},
		{p.RW, "RW"}, {p.RT, "RT"},
	} {
		if strings.TrimSpace(f.v) == "" {
			return Registered{}, fail(f.name + " tidak boleh kosong.")
		}
		if utf8.RuneCountInString(f.v) > 200 {
			return Registered{}, fail(f.name + " terlalu panjang.")
		}
	}
	if _, _, err := s.Queue.Facility(ctx, facility); errors.Is(err, fault.ErrNotFound) {
		return Registered{}, fail("Faskes tidak ditemukan.")
	} else if err != nil {
		return Registered{}, err
	}
	saved, err := s.Store.SaveJKNPatient(ctx, facility, queue.Patient{NomorKartu: p.NomorKartu, NIK: p.NIK, Nama: nama})
	if err != nil {
		return Registered{}, err
	}
	if saved.NIK != p.NIK {
		return Registered{}, fail("Nomor kartu sudah terdaftar dengan NIK lain.")
	}
	return Registered{NoRM: saved.NoRM}, nil
}

// Settings are a facility's Mobile JKN settings as admins see them.
type Settings struct {
	Username string
	Poli     []queue.Poli
}

// Settings returns the facility's settings; Username is "" before
// Configure. Errors: storage errors.
func (s *Service) Settings(ctx context.Context, facility string) (Settings, error) {
	var st Settings
	user, _, err := s.Store.JKNAccount(ctx, facility)
	if err != nil && !errors.Is(err, fault.ErrNotFound) {
		return st, err
	}
	st.Username = user
	st.Poli, err = s.Store.JKNPoli(ctx, facility)
	return st, err
}

// Configure sets the credentials BPJS uses to call the facility and the
// mapping of PCare poli codes to units (replacing the previous mapping).
// An empty password keeps the current one. Errors wrap fault.ErrNotFound
// for an unknown facility and fault.ErrInvalid (a *fault.Error) for
// a bad username, password, poli code or unit.
func (s *Service) Configure(ctx context.Context, facility, username, password string, polis []queue.Poli) error {
	want := make([]string, 0, len(polis))
	for _, p := range polis {
		want = append(want, p.Unit)
	}
	_, units, err := s.Queue.FacilityWithUnits(ctx, facility, want...)
	if err != nil {
		return err
	}
	if username == "" || len(username) > 100 || strings.ContainsAny(username, " \t\r\n") {
		return fault.Invalid("username", "Username Mobile JKN wajib diisi, tanpa spasi.")
	}
	hash := ""
	if password != "" {
		if hash, err = account.HashPassword(password); err != nil {
			return fault.Invalid("password", "Password Mobile JKN minimal 8 karakter.")
		}
	} else if _, _, err := s.Store.JKNAccount(ctx, facility); err != nil {
		if errors.Is(err, fault.ErrNotFound) {
			return fault.Invalid("password", "Password Mobile JKN wajib diisi.")
		}
		return err
	}
	seenCode, seenUnit := map[string]bool{}, map[string]bool{}
	for _, p := range polis {
		if p.KodePoli == "" || len(p.KodePoli) > 10 || strings.Trim(p.KodePoli, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return fault.Invalid("poli", fmt.Sprintf("Kode poli %q tidak valid.", p.KodePoli))
		}
		found := false
		for _, u := range units {
			found = found || u.Code == p.Unit
		}
		if !found {
			return fault.Invalid("poli", fmt.Sprintf("Unit %q tidak ada di faskes ini.", p.Unit))
		}
		if seenCode[p.KodePoli] || seenUnit[p.Unit] {
			return fault.Invalid("poli", "Setiap kode poli dan setiap unit hanya boleh dipetakan sekali.")
		}
		seenCode[p.KodePoli], seenUnit[p.Unit] = true, true
		if utf8.RuneCountInString(p.NamaDokter) > 100 || len(p.JamPraktek) > 20 || p.KodeDokter < 0 {
			return fault.Invalid("poli", "Data dokter tidak valid.")
		}
	}
	if err := s.Store.SaveJKNAccount(ctx, facility, username, hash); err != nil {
		return err
	}
	return s.Store.SaveJKNPoli(ctx, facility, polis)
}

// ParsePoli reads a CLI mapping such as "001=UMUM,002=GIGI".
// Errors wrap fault.ErrInvalid.
func ParsePoli(s string) ([]queue.Poli, error) {
	var out []queue.Poli
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		code, unit, ok := strings.Cut(part, "=")
		if !ok || code == "" || unit == "" {
			return nil, fault.Invalid("poli", fmt.Sprintf("%q: want KODEPOLI=UNIT", part))
		}
		out = append(out, queue.Poli{KodePoli: strings.TrimSpace(code), Unit: strings.TrimSpace(unit)})
	}
	return out, nil
}
