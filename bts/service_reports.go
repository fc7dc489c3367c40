package bts

import (
	"context"
	"time"
)

// The reports of the Dinas Kesehatan. A report covers one facility, or the
// whole district when its facility is "", over a period read in the
// district's time zone.

// ReportQuery is what a report covers: a facility ("" for the district)
// and a period.
type ReportQuery struct {
	Facility string
	Period   Period
}

// Extract is the observations of a report's facility and period, with the
// period's defaults filled: what prevalence, case lists and the e-PPGBM
// export are made from.
type Extract struct {
	Facility     string
	From, To     time.Time
	Observations []Observation
}

// extract resolves q (the default From is the first day of To's month,
// months months before) and loads its observations.
func (s *Service) extract(ctx context.Context, q ReportQuery, months int) (Extract, error) {
	x := Extract{Facility: q.Facility}
	p, err := resolve(q.Period, Date(s.now(), s.zone()), months)
	if err != nil {
		return x, err
	}
	x.From, x.To = p.From, p.To
	x.Observations, err = s.reports().Observations(ctx, q.Facility, p.From, p.To)
	return x, err
}

// Export returns the observations of q (default: this month so far), the
// rows of the e-PPGBM export. A *fault.Error for a period at fault.
func (s *Service) Export(ctx context.Context, q ReportQuery) (Extract, error) {
	return s.extract(ctx, q, 0)
}

// PrevalenceReport is the prevalence of a facility or the district over a
// period, per area of one level.
type PrevalenceReport struct {
	Facility string
	From, To time.Time
	Level    Level
	Rows     []PrevalenceRow
}

// Prevalence computes the prevalence of q (default: this month so far) per
// area of level l (see Prevalence). A *fault.Error for a period at fault.
func (s *Service) Prevalence(ctx context.Context, q ReportQuery, l Level) (PrevalenceReport, error) {
	x, err := s.extract(ctx, q, 0)
	if err != nil {
		return PrevalenceReport{}, err
	}
	return PrevalenceReport{Facility: x.Facility, From: x.From, To: x.To, Level: l, Rows: Prevalence(x.Observations, l)}, nil
}

// TrendReport is the prevalence of each month of a period.
type TrendReport struct {
	Facility string
	From, To time.Time
	Months   []TrendPoint
}

// Trend computes the prevalence month by month over q (default: the last
// 12 months, this one included). A *fault.Error for a period at fault.
func (s *Service) Trend(ctx context.Context, q ReportQuery) (TrendReport, error) {
	x, err := s.extract(ctx, q, 11)
	if err != nil {
		return TrendReport{}, err
	}
	return TrendReport{Facility: x.Facility, From: x.From, To: x.To, Months: Trend(x.Observations, x.From, x.To)}, nil
}

// Cases returns the children who are cases of indicator i over q (default:
// this month so far), by their latest valid measurement (see Cases). A
// *fault.Error for a period at fault.
func (s *Service) Cases(ctx context.Context, q ReportQuery, i Indicator) ([]Observation, error) {
	x, err := s.extract(ctx, q, 0)
	if err != nil {
		return nil, err
	}
	return Cases(x.Observations, i), nil
}

// Compliance computes the delivery compliance of q (default: this month so
// far) as seen today in the district (see ComputeCompliance). A
// *fault.Error for a period at fault.
func (s *Service) Compliance(ctx context.Context, q ReportQuery) (Compliance, error) {
	today := Date(s.now(), s.zone())
	p, err := resolve(q.Period, today, 0)
	if err != nil {
		return Compliance{}, err
	}
	es, err := s.reports().Enrolments(ctx, q.Facility, 0, p.From, p.To)
	if err != nil {
		return Compliance{}, err
	}
	ds, err := s.reports().Deliveries(ctx, q.Facility, 0, "", p.From, p.To)
	if err != nil {
		return Compliance{}, err
	}
	return ComputeCompliance(es, ds, p.From, p.To, today, s.zone()), nil
}

// Outcome computes the change in length/height-for-age since enrolment of
// every child ever enrolled at facility ("" for the district); see
// ComputeOutcome.
func (s *Service) Outcome(ctx context.Context, facility string) (Outcome, error) {
	es, err := s.reports().Enrolments(ctx, facility, 0, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		return Outcome{}, err
	}
	var ids []int64
	for _, e := range es {
		if e.ChildID != 0 {
			ids = append(ids, e.ChildID)
		}
	}
	ms, err := s.reports().ChildMeasurements(ctx, ids)
	if err != nil {
		return Outcome{}, err
	}
	return ComputeOutcome(es, ms), nil
}

// reports is the store reports read from (see Service.Reports).
func (s *Service) reports() Store {
	if s.Reports != nil {
		return s.Reports
	}
	return s.Store
}
