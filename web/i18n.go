package web

import "strings"

// messages is the pages' text, Bahasa Indonesia first. Keys are shared by
// the templates ({{t "key"}}) and the JavaScript (t('key')); {name} marks a
// value the script fills in.
var messages = map[string][2]string{ // key: {id, en}
	"app.name":    {"Antrean Puskesmas", "Puskesmas Queue"},
	"lang.switch": {"English", "Bahasa Indonesia"},
	"opt":         {"boleh kosong", "optional"},

	"title.book":    {"Ambil antrean", "Take a number"},
	"title.track":   {"Antrean saya", "My ticket"},
	"title.console": {"Konsol petugas", "Staff console"},
	"title.display": {"Layar antrean", "Queue screen"},
	"title.kiosk":   {"Anjungan antrean", "Queue kiosk"},
	"title.admin":   {"Pengaturan", "Settings"},

	"book.mine":              {"Antrean Anda", "Your tickets"},
	"book.heading":           {"Ambil nomor antrean", "Take a queue number"},
	"book.facility":          {"Puskesmas", "Puskesmas"},
	"book.loading":           {"Memuat…", "Loading…"},
	"book.choose":            {"— Pilih Puskesmas —", "— Choose a Puskesmas —"},
	"book.unit":              {"Layanan", "Service"},
	"book.unit.info":         {"{n} menunggu · {w}", "{n} waiting · {w}"},
	"book.unit.closed":       {"Tutup sekarang", "Closed now"},
	"book.date":              {"Tanggal berobat", "Visit date"},
	"book.today":             {"Hari ini", "Today"},
	"book.tomorrow":          {"Besok", "Tomorrow"},
	"book.name":              {"Nama", "Name"},
	"book.phone":             {"Nomor WhatsApp", "WhatsApp number"},
	"book.phone.hint":        {"Contoh: 081234567890", "Example: 081234567890"},
	"book.notify":            {"Kirim kabar antrean ke WhatsApp ini", "Send queue updates to this WhatsApp"},
	"book.id":                {"NIK atau nomor BPJS", "NIK or BPJS number"},
	"book.id.hint":           {"NIK 16 angka, kartu BPJS 13 angka", "NIK 16 digits, BPJS card 13 digits"},
	"book.priority":          {"Kelompok prioritas", "Priority group"},
	"book.submit":            {"Ambil nomor", "Get my number"},
	"book.sending":           {"Mengirim…", "Sending…"},
	"prio.none":              {"Tidak ada", "None"},
	"prio.lansia":            {"Lansia (60 tahun ke atas)", "Elderly (60+)"},
	"prio.hamil":             {"Ibu hamil", "Pregnant"},
	"prio.disabilitas":       {"Disabilitas", "Disability"},
	"prio.balita":            {"Balita", "Child under five"},
	"prio.short.lansia":      {"Lansia", "Elderly"},
	"prio.short.hamil":       {"Hamil", "Pregnant"},
	"prio.short.disabilitas": {"Disabilitas", "Disability"},
	"prio.short.balita":      {"Balita", "Under five"},

	"err.facility":     {"Pilih Puskesmas.", "Choose a Puskesmas."},
	"err.unit":         {"Pilih layanan yang dituju.", "Choose a service."},
	"err.phone":        {"Nomor WhatsApp harus nomor HP Indonesia, contoh 081234567890.", "The WhatsApp number must be an Indonesian mobile number, e.g. 081234567890."},
	"err.phone.needed": {"Isi nomor WhatsApp untuk menerima kabar.", "Enter a WhatsApp number to get updates."},
	"err.idnum":        {"NIK harus 16 angka, nomor BPJS 13 angka.", "NIK must be 16 digits, BPJS number 13 digits."},
	"err.duplicate":    {"Anda sudah punya antrean {code} di layanan ini pada tanggal itu.", "You already hold ticket {code} for this service on that day."},
	"err.network":      {"Tidak ada sambungan internet. Coba lagi.", "No internet connection. Try again."},

	"wait.now":  {"sebentar lagi", "any moment"},
	"wait.min":  {"± {n} menit", "≈ {n} min"},
	"wait.hour": {"± {h} jam {m} menit", "≈ {h} h {m} min"},

	"track.number":         {"Nomor antrean Anda", "Your number"},
	"track.position":       {"Urutan", "Position"},
	"track.ahead":          {"Di depan Anda", "Ahead of you"},
	"track.wait":           {"Perkiraan", "Estimated"},
	"track.near":           {"Hampir giliran Anda! Tinggal {n} orang lagi. Bersiaplah di dekat ruang layanan.", "Almost your turn! {n} more before you. Please wait near the room."},
	"track.next":           {"Anda berikutnya! Bersiaplah di dekat ruang layanan.", "You are next! Please wait near the room."},
	"track.called":         {"Anda dipanggil! Silakan menuju {counter}.", "You are called! Please go to {counter}."},
	"track.serving":        {"Sedang dilayani.", "Being served."},
	"track.share":          {"Buka di HP lain", "Open on another phone"},
	"track.share.hint":     {"Pindai kode QR ini atau kirim tautannya untuk memantau antrean dari HP lain.", "Scan this QR code or send the link to follow the queue on another phone."},
	"track.qr":             {"Kode QR tautan antrean ini", "QR code of this ticket's link"},
	"track.copy":           {"Salin tautan", "Copy link"},
	"track.copied":         {"Tautan disalin", "Link copied"},
	"track.cancel":         {"Batalkan antrean", "Cancel my ticket"},
	"track.cancel.confirm": {"Yakin membatalkan antrean ini?", "Really cancel this ticket?"},
	"track.cancel.yes":     {"Ya, batalkan", "Yes, cancel"},
	"track.cancel.no":      {"Tidak", "No"},
	"track.missing":        {"Antrean tidak ditemukan. Tautan mungkin salah atau tidak lengkap.", "Ticket not found. The link may be wrong or incomplete."},

	"status.loading":        {"Memuat…", "Loading…"},
	"status.waiting":        {"Menunggu giliran", "Waiting"},
	"status.called":         {"Dipanggil", "Called"},
	"status.serving":        {"Sedang dilayani", "Being served"},
	"status.done":           {"Selesai. Terima kasih!", "Done. Thank you!"},
	"status.skipped":        {"Terlewat (tidak hadir saat dipanggil). Lapor ke petugas.", "Missed (not present when called). Please see the staff."},
	"status.cancelled":      {"Dibatalkan", "Cancelled"},
	"status.transferred":    {"Dipindahkan", "Transferred"},
	"status.transferred.to": {"Dipindahkan ke {unit}", "Transferred to {unit}"},

	"net.offline":    {"Terputus — menyambung kembali…", "Offline — reconnecting…"},
	"net.online":     {"Tersambung", "Online"},
	"net.connecting": {"Menyambung…", "Connecting…"},

	"tv.calling":        {"Panggilan", "Now calling"},
	"tv.goto":           {"Silakan menuju {counter}", "Please go to {counter}"},
	"tv.recent":         {"Panggilan sebelumnya", "Previous calls"},
	"tv.units":          {"Antrean per layanan", "Queues by service"},
	"tv.waiting":        {"{n} menunggu", "{n} waiting"},
	"tv.ticker":         {"Pengumuman", "Announcements"},
	"tv.ticker.default": {"Selamat datang. Ambil nomor antrean dan tunggu panggilan.", "Welcome. Take a number and wait to be called."},
	"tv.unlock":         {"🔊 Ketuk untuk menyalakan suara", "🔊 Tap to turn on sound"},
	"con.logout":        {"Keluar", "Log out"},
	"con.login":         {"Masuk petugas", "Staff login"},
	"con.username":      {"Nama pengguna", "Username"},
	"con.password":      {"Kata sandi", "Password"},
	"con.login.submit":  {"Masuk", "Log in"},
	"con.unit":          {"Unit layanan", "Service unit"},
	"con.counter":       {"Ruang / loket Anda", "Your room / desk"},
	"con.next":          {"Panggil berikutnya", "Call next"},
	"con.none":          {"Belum ada pasien dipanggil di ruang ini.", "No patient called to this room yet."},
	"con.recall":        {"Panggil ulang", "Recall"},
	"con.skip":          {"Tidak hadir", "No-show"},
	"con.start":         {"Mulai layani", "Start"},
	"con.finish":        {"Selesai", "Finish"},
	"con.transfer.to":   {"Pindahkan ke unit", "Transfer to unit"},
	"con.transfer":      {"Pindahkan", "Transfer"},
	"con.requeue":       {"Kembalikan ke antrean", "Put back in the queue"},
	"con.others":        {"Dipanggil di ruang lain", "Called to other rooms"},
	"con.waiting":       {"Menunggu (urutan panggil)", "Waiting (call order)"},
	"con.walkin":        {"Pasien datang langsung", "Walk-in patient"},
	"con.name":          {"Nama (boleh kosong)", "Name (optional)"},
	"con.priority":      {"Prioritas", "Priority"},
	"con.walkin.submit": {"Buat nomor", "Issue number"},
	"con.keys":          {"Pintasan: N panggil berikutnya · R panggil ulang · S tidak hadir · M mulai · F selesai · T pindah", "Shortcuts: N call next · R recall · S no-show · M start · F finish · T transfer"},
	"con.calls":         {"dipanggil {n}×", "called {n}×"},
	"con.call":          {"Panggil", "Call"},
	"con.call.this":     {"Panggil {code}", "Call {code}"},
	"con.skipped":       {"{code} ditandai tidak hadir.", "{code} marked as no-show."},
	"con.need.counter":  {"Isi dulu ruang / loket Anda.", "Enter your room / desk first."},
	"con.conflict":      {"Antrean sudah berubah (petugas lain bertindak). Daftar sudah diperbarui.", "The queue changed (another staff member acted). The list is up to date now."},
	"con.called":        {"{code} dipanggil ke {counter}.", "{code} called to {counter}."},
	"con.empty":         {"Tidak ada yang menunggu.", "Nobody is waiting."},
	"con.transferred":   {"{code} dipindahkan ke {unit} sebagai {newcode}.", "{code} transferred to {unit} as {newcode}."},
	"con.issued":        {"Nomor {code} · {unit}", "Number {code} · {unit}"},
	"con.screens":       {"Layar TV tersambung: {n}", "TV screens online: {n}"},
	"con.screen.off":    {"{name} terputus", "{name} offline"},

	"kiosk.lead":        {"Sentuh layanan yang Anda tuju", "Touch the service you need"},
	"kiosk.waiting":     {"{n} menunggu", "{n} waiting"},
	"kiosk.closed":      {"Tutup", "Closed"},
	"kiosk.your":        {"Nomor antrean Anda", "Your number"},
	"kiosk.take":        {"Ambil karcis Anda di bawah.", "Take your ticket below."},
	"kiosk.again":       {"Selesai", "Done"},
	"kiosk.ahead":       {"{n} orang di depan Anda · {w}", "{n} ahead of you · {w}"},
	"kiosk.slip.number": {"Nomor antrean", "Queue number"},
	"kiosk.slip.qr":     {"Pindai untuk memantau antrean di HP", "Scan to follow the queue on your phone"},

	"adm.logout":        {"Keluar", "Log out"},
	"adm.login":         {"Masuk admin", "Admin login"},
	"adm.username":      {"Nama pengguna", "Username"},
	"adm.password":      {"Kata sandi", "Password"},
	"adm.login.submit":  {"Masuk", "Log in"},
	"adm.notadmin":      {"Akun ini bukan admin.", "This account is not an admin."},
	"adm.facility":      {"Fasilitas", "Facility"},
	"adm.ticker":        {"Teks berjalan layar TV", "TV running text"},
	"adm.ticker.text":   {"Teks pengumuman", "Announcement text"},
	"adm.save":          {"Simpan", "Save"},
	"adm.saved":         {"Tersimpan.", "Saved."},
	"adm.add":           {"Tambah", "Add"},
	"adm.remove":        {"Hapus", "Remove"},
	"adm.settings":      {"Pengaturan fasilitas", "Facility settings"},
	"adm.f.name":        {"Nama fasilitas", "Facility name"},
	"adm.f.window":      {"Pemesanan paling jauh (hari ke depan)", "Booking window (days ahead)"},
	"adm.f.shownames":   {"Tampilkan inisial nama di layar", "Show name initials on screens"},
	"adm.units":         {"Unit layanan", "Service units"},
	"adm.u.code":        {"Kode", "Code"},
	"adm.u.name":        {"Nama", "Name"},
	"adm.u.prefix":      {"Awalan", "Prefix"},
	"adm.u.quota":       {"Kuota/hari", "Quota/day"},
	"adm.u.hours":       {"Jam buka", "Hours"},
	"adm.u.opens":       {"Buka", "Opens"},
	"adm.u.closes":      {"Tutup", "Closes"},
	"adm.u.days":        {"Hari buka", "Open days"},
	"adm.u.policy":      {"Aturan prioritas", "Priority policy"},
	"adm.u.every":       {"Prioritas setiap N panggilan", "Priority every N calls"},
	"adm.mode.ratio":    {"Bergiliran", "Ratio"},
	"adm.mode.strict":   {"Prioritas dulu", "Priority first"},
	"adm.mode.fifo":     {"Urut kedatangan", "Arrival order"},
	"adm.counters":      {"Ruang / loket", "Rooms / desks"},
	"adm.counters.hint": {"Nama yang dibacakan di layar, misalnya \"Ruang 2\" atau \"Loket 1\".", "The names read out on screens, e.g. \"Ruang 2\" or \"Loket 1\"."},
	"adm.c.name":        {"Nama", "Name"},
	"adm.c.unit":        {"Unit", "Unit"},
	"adm.c.any":         {"Semua unit", "Any unit"},
	"adm.c.add":         {"Tambah ruang", "Add room"},
	"adm.users":         {"Akun petugas", "Staff accounts"},
	"adm.role":          {"Peran", "Role"},
	"adm.disabled":      {"Nonaktif", "Disabled"},
	"adm.newpass":       {"Kata sandi baru", "New password"},
	"adm.user.add":      {"Tambah akun", "Add account"},
	"adm.newfac":        {"Tambah fasilitas", "Add facility"},
	"adm.nf.code":       {"Kode (huruf kecil, tanpa spasi)", "Code (lower case, no spaces)"},
}

// pageStrings lists the message prefixes each page's script uses.
var pageStrings = map[string][]string{
	"book":    {"book.", "err.", "wait."},
	"track":   {"track.", "status.", "wait.", "net.", "err."},
	"display": {"tv.", "net."},
	"console": {"con.", "status.", "prio.", "net.", "err.", "wait."},
	"kiosk":   {"kiosk.", "net.", "err.", "wait."},
	"admin":   {"adm.", "err.", "prio."},
}

// tr returns the message key in lang ("id" or "en"); an unknown key is
// returned as is, which a test catches.
func tr(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == "en" && m[1] != "" {
		return m[1]
	}
	return m[0]
}

// jsStrings are the messages a page's script needs, in lang.
func jsStrings(page, lang string) map[string]string {
	out := map[string]string{}
	for k := range messages {
		for _, p := range pageStrings[page] {
			if strings.HasPrefix(k, p) {
				out[k] = tr(lang, k)
			}
		}
	}
	return out
}
