package bpjs

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"
)

// The fixture was made with Node's crypto and the JavaScript lz-string
// 1.4.4 from the steps BPJS documents.
func TestDecryptFixture(t *testing.T) {
	const (
		consID = "1234"
		secret = "rahasiaBPJS"
		ts     = "1700000000"
		cipher = "fbZI+6BFpRQMRUbQkSvbs9du4/FRh65TS23Pz9oSF2ar1M5fLI4VTp+lLuzu1scZkWgphWOKW4gqCsQm4nwcDWGO6GmM/Xl4jbXR9ywHTokcnUFs/FtPmEe3TrhzFjH9EYqDRPNAUSZrcs2O8Q9+cg=="
		want   = `{"list":[{"kodepoli":"001","namapoli":"Poli Umum","kdsubspesialis":"","nmsubspesialis":""}]}`
	)
	got, err := Decrypt(consID, secret, ts, cipher)
	if err != nil || string(got) != want {
		t.Fatalf("decrypt: got %q, %v, want %q", got, err, want)
	}
	if got := Encrypt(consID, secret, ts, []byte(want)); got != cipher {
		t.Errorf("encrypt: got %q, want %q", got, cipher)
	}
	if sig := Signature(consID, secret, ts); sig != "bBzgjVGU/j03bg1GswfGtgWreKyG+NPFgr5G5XL+O10=" {
		t.Errorf("signature: got %q", sig)
	}
	if _, err := Decrypt(consID, secret, "1700000001", cipher); !errors.Is(err, ErrDecode) {
		t.Errorf("decrypt with another timestamp: got %v, want ErrDecode", err)
	}
}

// fakeBPJS stands in for antreanfktp: it checks every signature and
// answers with encrypted, compressed payloads.
type fakeBPJS struct {
	t      *testing.T
	mu     sync.Mutex
	paths  []string
	bodies []map[string]any
	answer func(path string) (code int, message string, response any)
}

func (f *fakeBPJS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ts := r.Header.Get("X-timestamp")
	if r.Header.Get("X-cons-id") != "9999" || r.Header.Get("user_key") != "uk" ||
		r.Header.Get("X-signature") != Signature("9999", "s3cret", ts) {
		json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{"code": 401, "message": "signature"}})
		return
	}
	if n, err := strconv.ParseInt(ts, 10, 64); err != nil || time.Since(time.Unix(n, 0)).Abs() > time.Minute {
		json.NewEncoder(w).Encode(map[string]any{"metadata": map[string]any{"code": 401, "message": "timestamp"}})
		return
	}
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	json.Unmarshal(b, &body)
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	code, msg, resp := f.answer(r.URL.Path)
	if code < 0 {
		w.WriteHeader(-code)
		return
	}
	out := map[string]any{"metadata": map[string]any{"code": code, "message": msg}}
	if resp != nil {
		plain, _ := json.Marshal(resp)
		out["response"] = Encrypt("9999", "s3cret", ts, plain)
	}
	json.NewEncoder(w).Encode(out)
}

func newFake(t *testing.T, answer func(string) (int, string, any)) (*fakeBPJS, *Client) {
	f := &fakeBPJS{t: t, answer: answer}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, New(Config{BaseURL: srv.URL + "/antreanfktp_dev", ConsID: "9999", Secret: "s3cret", UserKey: "uk",
		PCareUser: "pcare", PCarePassword: "pw"}, srv.Client())
}

func TestClient(t *testing.T) {
	ctx := context.Background()
	t.Run("reference lists are decrypted and decompressed", func(t *testing.T) {
		_, c := newFake(t, func(p string) (int, string, any) {
			switch p {
			case "/antreanfktp_dev/ref/poli/tanggal/2026-11-27":
				return 200, "Ok", map[string]any{"list": []Poli{{KodePoli: "001", NamaPoli: "Poli Umum"}, {KodePoli: "002", NamaPoli: "Poli Gigi – Mulut"}}}
			case "/antreanfktp_dev/ref/dokter/kodepoli/001/tanggal/2026-11-27":
				return 200, "Ok", map[string]any{"list": []map[string]any{{"kodedokter": 123, "namadokter": "dr. Sari", "jampraktek": "08:00-12:00", "kapasitas": 30}}}
			}
			return 201, "not found", nil
		})
		polis, err := c.RefPoli(ctx, "2026-11-27")
		if err != nil || len(polis) != 2 || polis[1].NamaPoli != "Poli Gigi – Mulut" {
			t.Fatalf("ref poli: got %+v, %v", polis, err)
		}
		docs, err := c.RefDokter(ctx, "001", "2026-11-27")
		if err != nil || len(docs) != 1 || docs[0].KodeDokter.String() != "123" || docs[0].JamPraktek != "08:00-12:00" {
			t.Fatalf("ref dokter: got %+v, %v", docs, err)
		}
	})
	t.Run("already registered is success", func(t *testing.T) {
		f, c := newFake(t, func(string) (int, string, any) { return 201, "Peserta sudah terdaftar", nil })
		if err := c.Add(ctx, Antrean{NomorKartu: "0001234567890", KodePoli: "001", NomorAntrean: "B-001", AngkaAntrean: 1}); err != nil {
			t.Fatalf("add: %v", err)
		}
		if f.bodies[0]["nomorantrean"] != "B-001" || f.bodies[0]["angkaantrean"] != 1.0 {
			t.Errorf("body: %v", f.bodies[0])
		}
	})
	t.Run("a refusal is permanent, a 5xx temporary", func(t *testing.T) {
		_, c := newFake(t, func(string) (int, string, any) { return 201, "Poli tidak ditemukan", nil })
		err := c.Panggil(ctx, Panggil{KodePoli: "999", Status: Hadir})
		var e *Error
		if !errors.Is(err, ErrRejected) || !errors.As(err, &e) || e.Message != "Poli tidak ditemukan" {
			t.Errorf("panggil: got %v, want a rejection", err)
		}
		_, c = newFake(t, func(string) (int, string, any) { return -503, "", nil })
		if err := c.Batal(ctx, Batal{}); !errors.Is(err, ErrTemporary) {
			t.Errorf("batal against a 503: got %v, want ErrTemporary", err)
		}
	})
	t.Run("a wrong secret is refused by the signature check", func(t *testing.T) {
		f, c := newFake(t, nil)
		c.cfg.Secret = "wrong"
		if err := c.Panggil(ctx, Panggil{}); !errors.Is(err, ErrRejected) {
			t.Errorf("got %v, want a rejection", err)
		}
		if len(f.paths) != 0 {
			t.Error("the fake accepted a bad signature")
		}
	})
}
