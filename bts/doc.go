// Package bts is the BTS (Banyuwangi Tanggap Stunting) programme: the
// registry of children and high-risk pregnant women, their measurements,
// enrolment in the daily animal-protein intervention, the cadres' delivery
// reports, and the reports of the Dinas Kesehatan.
//
// The programme's rules (what a valid child, enrolment or delivery is,
// when a target is active, how compliance and prevalence are counted) are
// pure functions and methods on its types. Service carries out the use
// cases over them: it reads and writes through the small interfaces it
// declares (satisfied by *postgres.DB and a photo store) and reads the
// time from an injected clock.
//
// The WHO arithmetic lives in bts/anthro, the delivery photos (checking,
// EXIF, re-encoding, the store on disk) in bts/photo, the growth chart
// drawing in bts/chart and the e-PPGBM export in bts/eppgbm.
package bts
