// Package bpjs is a client of BPJS Kesehatan's Antrean FKTP web service
// (antreanfktp): the calls a Puskesmas makes to tell Mobile JKN about its
// queue, and the reference lists that help map PCare poli codes.
//
// Every request is signed (X-cons-id, X-timestamp, X-signature, user_key,
// X-authorization); every answer's response field is AES-256-CBC encrypted
// with a key derived from the consumer id, secret and the exact timestamp
// sent, and LZ-string compressed. Card numbers and NIKs travel in request
// bodies only and are never put in errors.
package bpjs

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/antrian/antrian/internal/lzstring"
)

// Base URLs of the antreanfktp service.
const (
	DevelopmentURL = "https://apijkn-dev.bpjs-kesehatan.go.id/antreanfktp_dev/"
	ProductionURL  = "https://apijkn.bpjs-kesehatan.go.id/antreanfktp/"
)

// Errors. Every error of this package wraps one of them.
var (
	// ErrRejected is an answer with a metadata code other than 200: BPJS
	// refused the request. Retrying the same request will not help.
	ErrRejected = errors.New("bpjs: rejected")
	// ErrTemporary is a transport error, a timeout or an HTTP 429/5xx:
	// retrying later may succeed.
	ErrTemporary = errors.New("bpjs: temporarily unavailable")
	// ErrDecode is an answer that could not be decrypted or parsed.
	ErrDecode = errors.New("bpjs: undecodable answer")
)

// Error is an answer BPJS gave with a metadata code other than 200.
type Error struct {
	Code    int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("bpjs: code %d: %s", e.Code, e.Message) }

// Unwrap makes errors.Is(err, ErrRejected) true, or ErrTemporary for codes
// of 500 and above.
func (e *Error) Unwrap() error {
	if e.Code >= 500 {
		return ErrTemporary
	}
	return ErrRejected
}

// AlreadyRegistered reports whether err is BPJS saying the patient or the
// ticket is already there ("peserta sudah terdaftar", "sudah ada"): for an
// antrean/add, the outcome we wanted.
func AlreadyRegistered(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "sudah terdaftar") || strings.Contains(m, "sudah ada") ||
		strings.Contains(m, "already")
}

// Config is what a facility gets from BPJS to call the service.
type Config struct {
	BaseURL       string // DevelopmentURL, ProductionURL or a test server; ends with "/"
	ConsID        string
	Secret        string
	UserKey       string
	PCareUser     string // for X-authorization; optional
	PCarePassword string
}

// Client calls one facility's antreanfktp service. It is safe for
// concurrent use.
type Client struct {
	cfg  Config
	http *http.Client
	// Now is the clock for X-timestamp; default time.Now.
	Now func() time.Time
}

// New returns a client for cfg. A nil http client uses one with a 20 s timeout.
func New(cfg Config, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{Timeout: 20 * time.Second}
	}
	if !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/"
	}
	return &Client{cfg: cfg, http: hc, Now: time.Now}
}

// Signature returns X-signature: base64(HMAC-SHA256(key secret, consID&timestamp)).
func Signature(consID, secret, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(consID + "&" + timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// key is SHA-256(consID + secret + timestamp): the AES-256 key, whose first
// 16 bytes are the IV.
func key(consID, secret, timestamp string) []byte {
	k := sha256.Sum256([]byte(consID + secret + timestamp))
	return k[:]
}

// Decrypt turns a response field into its JSON text: base64, then
// AES-256-CBC with PKCS#7 padding, then LZ-string. ErrDecode if any step fails.
func Decrypt(consID, secret, timestamp, response string) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(strings.TrimSpace(response))
	if err != nil {
		return nil, fmt.Errorf("%w: base64: %v", ErrDecode, err)
	}
	if len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("%w: ciphertext of %d bytes", ErrDecode, len(ct))
	}
	k := key(consID, secret, timestamp)
	block, _ := aes.NewCipher(k)
	pt := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, k[:aes.BlockSize]).CryptBlocks(pt, ct)
	pad := int(pt[len(pt)-1])
	if pad == 0 || pad > aes.BlockSize || pad > len(pt) || !bytes.Equal(pt[len(pt)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
		return nil, fmt.Errorf("%w: bad padding (wrong key or timestamp?)", ErrDecode)
	}
	s, err := lzstring.DecompressFromEncodedURIComponent(string(pt[:len(pt)-pad]))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDecode, err)
	}
	return []byte(s), nil
}

// Encrypt is the inverse of Decrypt, as BPJS does it. Test servers standing
// in for BPJS use it.
func Encrypt(consID, secret, timestamp string, plain []byte) string {
	s := lzstring.CompressToEncodedURIComponent(string(plain))
	pad := aes.BlockSize - len(s)%aes.BlockSize
	pt := append([]byte(s), bytes.Repeat([]byte{byte(pad)}, pad)...)
	k := key(consID, secret, timestamp)
	block, _ := aes.NewCipher(k)
	ct := make([]byte, len(pt))
	cipher.NewCBCEncrypter(block, k[:aes.BlockSize]).CryptBlocks(ct, pt)
	return base64.StdEncoding.EncodeToString(ct)
}

// metadata is accepted both as BPJS antrean writes it (metadata) and as
// PCare does (metaData); code may be a number or a string.
type envelope struct {
	Metadata *meta           `json:"metadata"`
	MetaData *meta           `json:"metaData"`
	Response json.RawMessage `json:"response"`
}

type meta struct {
	Code    flexInt `json:"code"`
	Message string  `json:"message"`
}

type flexInt int

func (f *flexInt) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	n, err := strconv.Atoi(s)
	if err != nil {
		return err
	}
	*f = flexInt(n)
	return nil
}

// do sends one signed request and decodes the answer's response into out
// (when out is not nil and the response is not empty).
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, rd)
	if err != nil {
		return fmt.Errorf("bpjs %s: %w", path, err)
	}
	// The timestamp is captured once: the same string is signed, sent and
	// used to derive the decryption key.
	ts := strconv.FormatInt(c.Now().UTC().Unix(), 10)
	h := req.Header
	h.Set("X-cons-id", c.cfg.ConsID)
	h.Set("X-timestamp", ts)
	h.Set("X-signature", Signature(c.cfg.ConsID, c.cfg.Secret, ts))
	h.Set("user_key", c.cfg.UserKey)
	if c.cfg.PCareUser != "" {
		h.Set("X-authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.cfg.PCareUser+":"+c.cfg.PCarePassword+":095")))
	}
	h.Set("Accept", "application/json")
	if body != nil {
		// BPJS' own samples send JSON under this content type.
		h.Set("Content-Type", "Application/x-www-form-urlencoded")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("bpjs %s: %w: %v", path, ErrTemporary, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("bpjs %s: %w: %v", path, ErrTemporary, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
		return fmt.Errorf("bpjs %s: %w: HTTP %d", path, ErrTemporary, resp.StatusCode)
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		if resp.StatusCode >= 400 {
			return fmt.Errorf("bpjs %s: %w", path, &Error{Code: resp.StatusCode, Message: http.StatusText(resp.StatusCode)})
		}
		return fmt.Errorf("bpjs %s: %w: %v", path, ErrDecode, err)
	}
	m := env.Metadata
	if m == nil {
		m = env.MetaData
	}
	if m == nil {
		return fmt.Errorf("bpjs %s: %w: no metadata (HTTP %d)", path, ErrDecode, resp.StatusCode)
	}
	if m.Code != 200 {
		return fmt.Errorf("bpjs %s: %w", path, &Error{Code: int(m.Code), Message: m.Message})
	}
	if out == nil {
		return nil
	}
	var enc string
	if len(env.Response) == 0 || string(env.Response) == "null" {
		return nil
	}
	if err := json.Unmarshal(env.Response, &enc); err != nil {
		// Some answers carry plain JSON; accept it as is.
		return decodeInto(path, env.Response, out)
	}
	if enc == "" {
		return nil
	}
	plain, err := Decrypt(c.cfg.ConsID, c.cfg.Secret, ts, enc)
	if err != nil {
		return fmt.Errorf("bpjs %s: %w", path, err)
	}
	return decodeInto(path, plain, out)
}

func decodeInto(path string, b []byte, out any) error {
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("bpjs %s: %w: %v", path, ErrDecode, err)
	}
	return nil
}

// Poli is a poli of the facility in PCare.
type Poli struct {
	KodePoli       string `json:"kodepoli"`
	NamaPoli       string `json:"namapoli"`
	KdSubspesialis string `json:"kdsubspesialis"`
	NmSubspesialis string `json:"nmsubspesialis"`
}

// Dokter is a doctor's practice in a poli on a date.
type Dokter struct {
	KodeDokter json.Number `json:"kodedokter"`
	NamaDokter string      `json:"namadokter"`
	JamPraktek string      `json:"jampraktek"`
	Kapasitas  json.Number `json:"kapasitas"`
}

// RefPoli lists the facility's polis open on date (yyyy-mm-dd).
// Errors wrap ErrRejected, ErrTemporary or ErrDecode.
func (c *Client) RefPoli(ctx context.Context, date string) ([]Poli, error) {
	var out struct {
		List []Poli `json:"list"`
	}
	err := c.do(ctx, http.MethodGet, "ref/poli/tanggal/"+date, nil, &out)
	return out.List, err
}

// RefDokter lists the doctors practising in poli kodepoli on date.
// Errors wrap ErrRejected, ErrTemporary or ErrDecode.
func (c *Client) RefDokter(ctx context.Context, kodepoli, date string) ([]Dokter, error) {
	var out struct {
		List []Dokter `json:"list"`
	}
	err := c.do(ctx, http.MethodGet, "ref/dokter/kodepoli/"+kodepoli+"/tanggal/"+date, nil, &out)
	return out.List, err
}

// Antrean is a ticket reported with antrean/add.
type Antrean struct {
	NomorKartu     string `json:"nomorkartu"`
	NIK            string `json:"nik"`
	NoHP           string `json:"nohp"`
	KodePoli       string `json:"kodepoli"`
	NamaPoli       string `json:"namapoli"`
	NoRM           string `json:"norm"`
	TanggalPeriksa string `json:"tanggalperiksa"`
	KodeDokter     int    `json:"kodedokter"`
	NamaDokter     string `json:"namadokter"`
	JamPraktek     string `json:"jampraktek"`
	NomorAntrean   string `json:"nomorantrean"`
	AngkaAntrean   int    `json:"angkaantrean"`
	Keterangan     string `json:"keterangan"`
}

// Add reports a ticket taken outside Mobile JKN. An answer that the
// patient is already registered counts as success. Errors wrap
// ErrRejected, ErrTemporary or ErrDecode.
func (c *Client) Add(ctx context.Context, a Antrean) error {
	err := c.do(ctx, http.MethodPost, "antrean/add", a, nil)
	if AlreadyRegistered(err) {
		return nil
	}
	return err
}

// Panggil statuses.
const (
	Hadir      = 1 // the patient came when called
	TidakHadir = 2 // the patient was absent
)

// Panggil is a call reported with antrean/panggil.
type Panggil struct {
	TanggalPeriksa string `json:"tanggalperiksa"`
	KodePoli       string `json:"kodepoli"`
	NomorKartu     string `json:"nomorkartu"`
	Status         int    `json:"status"`
	Waktu          int64  `json:"waktu"` // Unix milliseconds
}

// Panggil reports that a ticket was called (Hadir) or found absent
// (TidakHadir). Errors wrap ErrRejected, ErrTemporary or ErrDecode.
func (c *Client) Panggil(ctx context.Context, p Panggil) error {
	return c.do(ctx, http.MethodPost, "antrean/panggil", p, nil)
}

// Batal is a cancellation reported with antrean/batal.
type Batal struct {
	TanggalPeriksa string `json:"tanggalperiksa"`
	KodePoli       string `json:"kodepoli"`
	NomorKartu     string `json:"nomorkartu"`
	Alasan         string `json:"alasan"`
}

// Batal reports that the facility cancelled a ticket. Errors wrap
// ErrRejected, ErrTemporary or ErrDecode.
func (c *Client) Batal(ctx context.Context, b Batal) error {
	return c.do(ctx, http.MethodPost, "antrean/batal", b, nil)
}
