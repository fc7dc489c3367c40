package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// decodeEvent reads the fields a screen checks from one display message.
// Ten thousand screens decode every event on the same cores as the server,
// so the common messages (the server writes their fields in a fixed order,
// with "type" and "seq" first and the top-level "unit" and "code" before the
// nested "current") are read by a scan; anything else goes through
// encoding/json.
func decodeEvent(raw []byte) (wsEvent, bool) {
	if ev, ok := scanEvent(raw); ok {
		return ev, true
	}
	var ev wsEvent
	if json.Unmarshal(raw, &ev) != nil {
		return ev, false
	}
	return ev, true
}

// scanEvent is the fast path of decodeEvent: it answers ok only for a
// message that starts {"type":"...","seq":N and, unless it is a snapshot or a board update,
// has "unit", "service_date" and "code" strings without escapes before "current".
func scanEvent(raw []byte) (ev wsEvent, ok bool) {
	rest, ok := bytes.CutPrefix(raw, []byte(`{"type":"`))
	if !ok {
		return ev, false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 {
		return ev, false
	}
	// A known type is one of these constants, so that a board update (half
	// of coalescing screens' messages) allocates nothing.
	typ, ok := knownTypes[string(rest[:i])]
	if !ok {
		return ev, false // a shape the scan does not know
	}
	rest = rest[i+1:]
	rest, ok = bytes.CutPrefix(rest, []byte(`,"seq":`))
	if !ok {
		return ev, false
	}
	end := bytes.IndexAny(rest, ",}")
	if end < 0 {
		return ev, false
	}
	seq, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil {
		return ev, false
	}
	ev.Type, ev.Seq = typ, seq
	switch typ {
	case "snapshot", "units":
		// Screens use only the type and seq of a snapshot or of a
		// coalesced board update (one a second to every coalescing screen).
		return ev, true
	}
	// Top-level fields come before the one nested object, "current".
	if i := bytes.Index(rest, []byte(`,"current":`)); i >= 0 {
		rest = rest[:i]
	}
	field := func(name string) (string, bool) {
		i := bytes.Index(rest, []byte(`,"`+name+`":"`))
		if i < 0 {
			return "", false // absent (a noop has no code): encoding/json
		}
		v, _, ok := cutString(rest[i+len(name)+5:])
		return v, ok
	}
	var okUnit, okDate, okCode bool
	ev.Unit, okUnit = field("unit")
	ev.ServiceDate, okDate = field("service_date")
	ev.Code, okCode = field("code")
	return ev, okUnit && okDate && okCode
}

// knownTypes are the message types the scan reads.
var knownTypes = map[string]string{"snapshot": "snapshot", "units": "units", "called": "called", "queue": "queue", "noop": "noop"}

// cutString returns the JSON string that s starts with (after its opening
// quote) and what follows its closing quote; ok is false for a string with
// escapes, which the fast path leaves to encoding/json.
func cutString(s []byte) (string, []byte, bool) {
	i := bytes.IndexByte(s, '"')
	if i < 0 || bytes.IndexByte(s[:i], '\\') >= 0 {
		return "", nil, false
	}
	return string(s[:i]), s[i+1:], true
}
