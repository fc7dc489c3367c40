package whatsapp

import (
	"strconv"
	"strings"
	"unicode"
)

// Commands a patient writes; the first word counts, in any case.
const (
	CmdQueue  = "ANTRI"   // list today's open units (also DAFTAR)
	CmdStatus = "STATUS"  // the place of the number's tickets
	CmdCancel = "BATAL"   // cancel a waiting ticket
	CmdStop   = "STOP"    // withdraw consent: nothing more is sent
	CmdHelp   = "BANTUAN" // how this works
)

// aliases maps what patients write to a command.
var aliases = map[string]string{
	"ANTRI": CmdQueue, "ANTRE": CmdQueue, "ANTRIAN": CmdQueue, "ANTREAN": CmdQueue, "DAFTAR": CmdQueue,
	"STATUS": CmdStatus, "CEK": CmdStatus,
	"BATAL": CmdCancel, "BATALKAN": CmdCancel,
	"STOP": CmdStop, "BERHENTI": CmdStop,
	"BANTUAN": CmdHelp, "HELP": CmdHelp, "INFO": CmdHelp, "MENU": CmdHelp,
}

// Conversation states.
const (
	StateIdle = ""     // no question is open
	StateUnit = "unit" // the units were listed; a number is awaited
	StateName = "name" // a unit was chosen; the patient's name is awaited
)

// Conversation is where one number stands with one facility. The store
// keeps it, locked while a message of that number is answered.
type Conversation struct {
	Facility string
	Phone    string // canonical digits 628...
	State    string
	Units    []string // unit codes as listed, for the numbers 1, 2, ...
	Unit     string   // the chosen unit, in StateName
	// Stopped is true while the number has withdrawn its consent (STOP).
	Stopped bool
}

// reset closes any open question.
func (c *Conversation) reset() { c.State, c.Units, c.Unit = StateIdle, nil, "" }

// command is a parsed message: a command word and the rest, or a choice
// (a number, possibly followed by a name), or free text.
type command struct {
	cmd    string // one of the Cmd constants, or ""
	choice int    // 1-based number chosen, 0 none
	rest   string // what follows the command word or number, trimmed
	text   string // the whole message, trimmed, spaces collapsed
}

// parse reads a message. Punctuation around the first word is ignored
// ("antri!", "1.", "2)").
func parse(msg string) command {
	text := strings.Join(strings.Fields(msg), " ")
	first, rest, _ := strings.Cut(text, " ")
	word := strings.ToUpper(strings.TrimFunc(first, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }))
	c := command{rest: strings.TrimSpace(rest), text: text}
	if cmd, ok := aliases[word]; ok {
		c.cmd = cmd
		return c
	}
	if n, err := strconv.Atoi(word); err == nil && n > 0 && n < 100 {
		c.choice = n
		return c
	}
	c.rest = ""
	return c
}
