package bts

import "github.com/antrian/antrian/bts/anthro"

// What a Puskesmas visit needs from BTS: which units' staff measure
// children and see pregnant women, and the day counts their forms follow.
// Pages get these as data from the server rather than keeping copies.

// ChildUnits are the codes of the units whose staff measure children at a
// visit: maternal and child health (KIA) and the sick-child clinic (MTBS).
var ChildUnits = []string{"KIA", "MTBS"}

// PregnancyUnits are the codes of the units whose staff see pregnant women
// at a visit: maternal and child health (KIA).
var PregnancyUnits = []string{"KIA"}

// StandingFromDays is the age in days from which a child is measured
// standing (height) rather than lying (length): the WHO standards' switch.
const StandingFromDays = anthro.StandingFromDays

// TermDays is the usual length of a pregnancy counted from the HPHT
// (Naegele's rule): the HPHT plus TermDays is the expected day of birth.
const TermDays = 280
