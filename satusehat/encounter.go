package satusehat

import "time"

// Encounter is the FHIR R4 Encounter resource as SATUSEHAT expects it for
// an outpatient visit.
type Encounter struct {
	ResourceType    string          `json:"resourceType"`
	ID              string          `json:"id,omitempty"`
	Identifier      []Identifier    `json:"identifier"`
	Status          string          `json:"status"`
	Class           Coding          `json:"class"`
	Subject         Reference       `json:"subject"`
	Participant     []Participant   `json:"participant,omitempty"`
	Period          Period          `json:"period"`
	Location        []LocationEntry `json:"location"`
	StatusHistory   []StatusHistory `json:"statusHistory"`
	ServiceProvider Reference       `json:"serviceProvider"`
}

// Identifier is a FHIR identifier.
type Identifier struct {
	System string `json:"system"`
	Value  string `json:"value"`
}

// Coding is a FHIR coding.
type Coding struct {
	System  string `json:"system"`
	Code    string `json:"code"`
	Display string `json:"display,omitempty"`
}

// Reference is a FHIR reference.
type Reference struct {
	Reference string `json:"reference"`
	Display   string `json:"display,omitempty"`
}

// Participant is who attends the encounter.
type Participant struct {
	Type       []CodeableConcept `json:"type"`
	Individual Reference         `json:"individual"`
}

// CodeableConcept is a FHIR CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding"`
}

// Period is a FHIR period; times are written in UTC.
type Period struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// LocationEntry is where the encounter happens.
type LocationEntry struct {
	Location Reference `json:"location"`
}

// StatusHistory is one past or present status with its period.
type StatusHistory struct {
	Status string `json:"status"`
	Period Period `json:"period"`
}

// Encounter statuses used by a queue.
const (
	Arrived    = "arrived"
	InProgress = "in-progress"
	Finished   = "finished"
	Cancelled  = "cancelled"
)

// Visit is what the queue knows of one patient's visit to one unit.
type Visit struct {
	ID             string // the local visit number: the ticket id
	OrganizationID string
	PatientIHS     string
	PatientName    string
	LocationID     string
	LocationName   string
	Practitioner   string // IHS id of the attending practitioner; optional
	Arrived        time.Time
	InProgress     *time.Time
	Finished       *time.Time
	Cancelled      *time.Time
}

// FHIRTime writes t as SATUSEHAT wants it: UTC with an explicit offset.
func FHIRTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

// Encounter builds the Encounter of v: its status is the latest one the
// visit reached, and its statusHistory has one entry per status, each
// closed when the next began.
func (v Visit) Encounter() Encounter {
	e := Encounter{
		ResourceType:    "Encounter",
		Identifier:      []Identifier{{System: EncounterSystem(v.OrganizationID), Value: v.ID}},
		Class:           Coding{System: "http://terminology.hl7.org/CodeSystem/v3-ActCode", Code: "AMB", Display: "ambulatory"},
		Subject:         Reference{Reference: "Patient/" + v.PatientIHS, Display: v.PatientName},
		Location:        []LocationEntry{{Location: Reference{Reference: "Location/" + v.LocationID, Display: v.LocationName}}},
		ServiceProvider: Reference{Reference: "Organization/" + v.OrganizationID},
		Period:          Period{Start: FHIRTime(v.Arrived)},
	}
	if v.Practitioner != "" {
		e.Participant = []Participant{{
			Type: []CodeableConcept{{Coding: []Coding{{System: "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
				Code: "ATND", Display: "attender"}}}},
			Individual: Reference{Reference: "Practitioner/" + v.Practitioner},
		}}
	}
	type step struct {
		status string
		at     time.Time
	}
	steps := []step{{Arrived, v.Arrived}}
	if v.InProgress != nil {
		steps = append(steps, step{InProgress, *v.InProgress})
	}
	switch {
	case v.Finished != nil:
		steps = append(steps, step{Finished, *v.Finished})
		e.Period.End = FHIRTime(*v.Finished)
	case v.Cancelled != nil:
		steps = append(steps, step{Cancelled, *v.Cancelled})
		e.Period.End = FHIRTime(*v.Cancelled)
	}
	for i, s := range steps {
		h := StatusHistory{Status: s.status, Period: Period{Start: FHIRTime(s.at)}}
		switch {
		case i+1 < len(steps):
			h.Period.End = FHIRTime(steps[i+1].at)
		case s.status == Finished || s.status == Cancelled:
			h.Period.End = FHIRTime(s.at)
		}
		e.StatusHistory = append(e.StatusHistory, h)
	}
	e.Status = steps[len(steps)-1].status
	return e
}
