package queue

// FacilitySettings are the settings of a facility an admin may change.
type FacilitySettings struct {
	Name          string
	BookingWindow int
	ShowNames     bool
	Announcement  string
}

// Counter is a room or desk patients are called to. Unit "" serves any unit.
type Counter struct {
	Name string
	Unit string
}
