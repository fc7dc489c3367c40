// Package anthro is the WHO Child Growth Standards arithmetic of BTS:
// z-scores for children under five, their Permenkes 2/2020 categories and
// plausibility flags, the reference curves growth charts draw, and the
// batch converter behind `antrian anthro`.
//
// The z-scores follow WHO Anthro: exact age in days, the daily LMS tables,
// the 0.7 cm length/height adjustment at 731 days, restricted application
// beyond ±3 SD for the weight-based indices, interpolation between table
// rows, plausibility flags and categories on z rounded to 2 decimals.
// Everything here is a pure function of its input; the WHO tables are
// embedded and parsed once on first use. It knows nothing of children,
// facilities or storage: package bts builds its programme on it.
package anthro
