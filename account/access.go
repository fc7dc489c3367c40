package account

import "slices"

// Perm is something a caller may be allowed to do. Every route of the
// service is given exactly one Perm (web's access table); Can decides it
// for a user. This file is the whole permission matrix.
type Perm string

// Permissions.
const (
	PermPublic        Perm = "public"         // anyone: patients, kiosks, screens
	PermSession       Perm = "session"        // any signed-in account (own session)
	PermQueueRead     Perm = "queue.read"     // see a facility's queues and screens
	PermQueueRun      Perm = "queue.run"      // call, serve, transfer, issue desk tickets
	PermAdmin         Perm = "admin"          // settings, accounts, tokens, audit log, dead letters
	PermBTSReport     Perm = "bts.report"     // cadres: report deliveries for their facility's targets
	PermBTSManage     Perm = "bts.manage"     // register, measure, enrol, verify reports
	PermBTSRead       Perm = "bts.read"       // BTS reports and case lists
	PermMachineJKN    Perm = "jkn"            // Mobile JKN's own token flow, not staff accounts
	PermDistrict      Perm = "district.read"  // district-wide dashboards
	PermDistrictAdmin Perm = "district.admin" // the district's geography and facilities
)

// Perms returns every permission, for checking that each route names known
// ones.
func Perms() []Perm {
	return []Perm{PermPublic, PermSession, PermQueueRead, PermQueueRun, PermAdmin, PermBTSReport, PermBTSManage,
		PermBTSRead, PermMachineJKN, PermDistrict, PermDistrictAdmin}
}

// matrix lists, per role, what it may do. Facility scoping is in Can.
var matrix = map[Role]map[Perm]bool{
	Admin:  {PermSession: true, PermQueueRead: true, PermQueueRun: true, PermAdmin: true, PermBTSReport: true, PermBTSManage: true, PermBTSRead: true, PermDistrict: true, PermDistrictAdmin: true},
	Staff:  {PermSession: true, PermQueueRead: true, PermQueueRun: true, PermBTSReport: true, PermBTSManage: true, PermBTSRead: true},
	Kader:  {PermSession: true, PermBTSReport: true},
	Dinkes: {PermSession: true, PermQueueRead: true, PermBTSRead: true, PermDistrict: true},
}

// Matrix returns the permission matrix (role -> permissions), for the
// documentation and tests.
func Matrix() map[Role][]Perm {
	out := map[Role][]Perm{}
	for r, ps := range matrix {
		for p, ok := range ps {
			if ok {
				out[r] = append(out[r], p)
			}
		}
	}
	return out
}

// Can reports whether u may do p on facility (and, for the queue, unit;
// "" when the action concerns no single unit):
//   - a role must hold p in the matrix;
//   - district accounts (no facility) reach every facility; dinkes reads the
//     whole district; everyone else only their own facility; district
//     permissions need a district account (or dinkes, for reading);
//   - staff assigned to units run only those units (no assignment: all).
func (u User) Can(p Perm, facility, unit string) bool {
	if p == PermPublic {
		return true
	}
	if u.Disabled || !matrix[u.Role][p] {
		return false
	}
	if p == PermSession {
		return true
	}
	if p == PermDistrictAdmin {
		return u.Facility == ""
	}
	if p == PermDistrict || u.Role == Dinkes {
		// Dinkes holds only read permissions, across the district.
		return u.Facility == "" || u.Role == Dinkes
	}
	if u.Facility != "" && u.Facility != facility {
		return false
	}
	if u.Role == Staff && p == PermQueueRun && unit != "" && len(u.Units) > 0 {
		for _, x := range u.Units {
			if x == unit {
				return true
			}
		}
		return false
	}
	return true
}

// CanGrant reports whether u may give an account or API token the role r
// at facility ("" = the whole district): only an admin of that facility
// may, and only what reaches no further than u itself. Everything the
// grant could do, on any facility and unit, u may do there too, by the
// matrix above; so a facility admin cannot make a dinkes token (which
// reads the whole district), nor any account of another facility.
func (u User) CanGrant(r Role, facility string) bool {
	if _, known := matrix[r]; !known || !u.Can(PermAdmin, facility, "") {
		return false
	}
	grant := User{Role: r, Facility: facility}
	// Can tells facilities apart only as the account's own, the one
	// acted on, or any other; and units as assigned or not.
	elsewhere := outside(facility, u.Facility)
	units := append([]string{"", outside(u.Units...)}, u.Units...)
	for p := range matrix[r] {
		for _, f := range []string{facility, u.Facility, elsewhere} {
			for _, unit := range units {
				if grant.Can(p, f, unit) && !u.Can(p, f, unit) {
					return false
				}
			}
		}
	}
	return true
}

// outside returns a name that is none of names.
func outside(names ...string) string {
	n := "~"
	for slices.Contains(names, n) {
		n += "~"
	}
	return n
}
