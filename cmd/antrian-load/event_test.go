package main

import (
	"encoding/json"
	"testing"
)

// Every message shape a display receives decodes the same through the scan
// as through encoding/json.
func TestDecodeEventMatchesJSON(t *testing.T) {
	msgs := []string{
		`{"type":"snapshot","seq":12,"facility":"sobo","units":[{"code":"UMUM","name":"Poli Umum","waiting":3,"current":{"code":"B-002","counter":"Ruang 1"}}],"recent":[]}`,
		`{"type":"called","seq":13,"kind":"called","unit":"UMUM","service_date":"2026-11-27","code":"B-003","counter":"Ruang 1","recall":false,"at":"2026-11-27T09:00:00+07:00","waiting":2,"current":{"code":"B-003","counter":"Ruang 1"}}`,
		`{"type":"called","seq":14,"kind":"recalled","unit":"GIGI","service_date":"2026-11-27","code":"C-001","counter":"Ruang \"2\"","recall":true,"at":"2026-11-27T09:01:00+07:00","waiting":0,"current":{"code":"C-001","counter":"Ruang 2"}}`,
		`{"type":"queue","seq":15,"kind":"booked","unit":"UMUM","service_date":"2026-11-27","code":"B-004","at":"2026-11-27T09:02:00+07:00","waiting":3,"current":null}`,
		`{"type":"queue","seq":16,"kind":"finished","unit":"UMUM","service_date":"2026-11-27","code":"B-003","at":"2026-11-27T09:03:00+07:00","waiting":3,"current":{"code":"X-999","counter":"Ruang 9"}}`,
		`{"type":"noop","seq":17,"kind":"booked","unit":"KIA","service_date":"2026-11-30","at":"2026-11-27T09:04:00+07:00"}`,
		`{"type":"units","seq":21,"units":[{"code":"UMUM","seq":21,"waiting":4,"current":{"code":"B-003","counter":"Ruang 1"}},{"code":"GIGI","seq":19,"waiting":0,"current":null}]}`,
		`{"seq":18,"type":"called","unit":"LAB","code":"E-001"}`, // another order: encoding/json
		`{"type":"called","seq":19}`,
		`{"type":"queue","seq":20,"kind":"booked","unit":"U{1}","service_date":"2026-11-27","code":"B-{5}","waiting":1,"current":{"code":"B-{4}","counter":"R"}}`,
	}
	for _, m := range msgs {
		var want wsEvent
		if err := json.Unmarshal([]byte(m), &want); err != nil {
			t.Fatal(err)
		}
		got, ok := decodeEvent([]byte(m))
		if !ok || got != want {
			t.Errorf("decodeEvent(%s) = %+v, %v; want %+v", m, got, ok, want)
		}
	}
	if _, ok := decodeEvent([]byte(`{"type":"called","seq":`)); ok {
		t.Error("a truncated message decoded")
	}
}

// The scan takes the messages of every event and leaves what it does not
// know to encoding/json.
func TestScanEventShapes(t *testing.T) {
	for m, fast := range map[string]bool{
		`{"type":"called","seq":13,"kind":"called","unit":"UMUM","service_date":"2026-11-27","code":"B-003","counter":"Ruang 1","recall":false,"at":"2026-11-27T09:00:00+07:00","waiting":2,"current":{"code":"B-003","counter":"Ruang 1"}}`: true,
		`{"type":"queue","seq":15,"kind":"booked","unit":"UMUM","service_date":"2026-11-27","code":"B-004","at":"2026-11-27T09:02:00+07:00","waiting":3,"current":null}`:                                                                     true,
		`{"type":"snapshot","seq":12,"facility":"sobo","units":[]}`:                                                          true,
		`{"type":"units","seq":21,"units":[{"code":"UMUM","seq":21,"waiting":4,"current":null}]}`:                            true,
		`{"type":"ticket","seq":1,"ticket":{"unit":"U","code":"C"}}`:                                                         false,
		`{"type":"noop","seq":17,"kind":"booked","unit":"KIA","service_date":"2026-11-30","at":"2026-11-27T09:04:00+07:00"}`: false, // no code
	} {
		if _, ok := scanEvent([]byte(m)); ok != fast {
			t.Errorf("scanEvent(%.40s...) ok = %v, want %v", m, ok, fast)
		}
	}
}

func BenchmarkDecodeEvent(b *testing.B) {
	m := []byte(`{"type":"called","seq":13,"kind":"called","unit":"UMUM","service_date":"2026-11-27","code":"B-003","counter":"Ruang 1","recall":false,"at":"2026-11-27T09:00:00+07:00","waiting":2,"current":{"code":"B-003","counter":"Ruang 1"}}`)
	b.Run("scan", func(b *testing.B) {
		for b.Loop() {
			decodeEvent(m)
		}
	})
	b.Run("json", func(b *testing.B) {
		for b.Loop() {
			var ev wsEvent
			json.Unmarshal(m, &ev)
		}
	})
}
