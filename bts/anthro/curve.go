package anthro

// Curve is a WHO reference curve by age, as growth charts draw it.
type Curve int

// The curves growth charts draw.
const (
	LengthForAge Curve = iota + 1 // length below 731 days, height from 731, cm
	WeightForAge                  // kg
)

// CurveAt returns the value of curve c for sex at k standard deviations
// from the median, at age ageDays (0 to MaxAgeDays), from the daily tables:
// M (1 + L S k)^(1/L), without the restricted application beyond ±3 SD
// that z-scores use. ok is false for an unknown curve or sex, or an age
// outside the tables.
func CurveAt(c Curve, sex Sex, ageDays int, k float64) (v float64, ok bool) {
	if sex != Male && sex != Female {
		return 0, false
	}
	var g *grid
	switch c {
	case LengthForAge:
		g = &tables().lenDaily
	case WeightForAge:
		g = &tables().weiDaily
	default:
		return 0, false
	}
	p, ok := g.row(sex, ageDays)
	if !ok {
		return 0, false
	}
	return sd(p, k), true
}
