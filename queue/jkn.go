package queue

// Poli maps a PCare poli code to a unit of a facility, with the doctor
// reported to BPJS for that unit's tickets: a unit's BPJS poli mapping.
type Poli struct {
	KodePoli   string
	Unit       string
	KodeDokter int
	NamaDokter string
	JamPraktek string
}

// Patient is a BPJS card holder registered at a facility (through Mobile
// JKN's peserta call), with the medical record number the facility gave.
type Patient struct {
	NomorKartu string
	NIK        string
	Nama       string
	NoRM       string
}

// Day is the state of one unit on one date.
type Day struct {
	Total   int    // tickets issued and not cancelled
	Waiting int    // tickets waiting
	Current string // code of the latest call, "" when none
}
