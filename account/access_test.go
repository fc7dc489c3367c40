package account_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/antrian/antrian/account"
)

var (
	roles = []account.Role{account.Admin, account.Staff, account.Kader, account.Dinkes}
	perms = []account.Perm{account.PermPublic, account.PermSession, account.PermQueueRead, account.PermQueueRun,
		account.PermAdmin, account.PermBTSReport, account.PermBTSManage, account.PermBTSRead, account.PermMachineJKN,
		account.PermDistrict, account.PermDistrictAdmin}
)

// scope is where an account belongs and which facility it acts on.
type scope struct {
	name              string
	account, facility string
}

var scopes = []scope{
	{"own facility", "sobo", "sobo"},
	{"other facility", "sobo", "kabat"},
	{"district account", "", "sobo"},
}

// The permission matrix, written out: for each role and permission,
// whether it is granted on its own facility, on another facility, and to
// an account of the whole district (no facility).
type grant [3]bool

var (
	none     = grant{false, false, false}
	own      = grant{true, false, true} // its facility; a district account everywhere
	district = grant{false, false, true}
	all      = grant{true, true, true}
)

var matrix = map[account.Role]map[account.Perm]grant{
	account.Admin: {
		account.PermPublic: all, account.PermSession: all,
		account.PermQueueRead: own, account.PermQueueRun: own, account.PermAdmin: own,
		account.PermBTSReport: own, account.PermBTSManage: own, account.PermBTSRead: own,
		account.PermMachineJKN: none, account.PermDistrict: district, account.PermDistrictAdmin: district,
	},
	account.Staff: {
		account.PermPublic: all, account.PermSession: all,
		account.PermQueueRead: own, account.PermQueueRun: own, account.PermAdmin: none,
		account.PermBTSReport: own, account.PermBTSManage: own, account.PermBTSRead: own,
		account.PermMachineJKN: none, account.PermDistrict: none, account.PermDistrictAdmin: none,
	},
	account.Kader: {
		account.PermPublic: all, account.PermSession: all,
		account.PermQueueRead: none, account.PermQueueRun: none, account.PermAdmin: none,
		account.PermBTSReport: own, account.PermBTSManage: none, account.PermBTSRead: none,
		account.PermMachineJKN: none, account.PermDistrict: none, account.PermDistrictAdmin: none,
	},
	// Dinkes reads across the whole district, wherever its account sits.
	account.Dinkes: {
		account.PermPublic: all, account.PermSession: all,
		account.PermQueueRead: all, account.PermQueueRun: none, account.PermAdmin: none,
		account.PermBTSReport: none, account.PermBTSManage: none, account.PermBTSRead: all,
		account.PermMachineJKN: none, account.PermDistrict: all, account.PermDistrictAdmin: none,
	},
}

// assignment is a staff account's units and the unit an action concerns.
type assignment struct {
	name  string
	units []string
	unit  string
}

var assignments = []assignment{
	{"no units assigned", nil, "UMUM"},
	{"assigned to the unit", []string{"GIGI", "UMUM"}, "UMUM"},
	{"assigned to another unit", []string{"GIGI"}, "UMUM"},
	{"assigned, no unit concerned", []string{"GIGI"}, ""},
}

// narrowed lists what an assignment to other units takes away: only
// running the queue, and only for staff (an admin runs every unit).
var narrowed = map[account.Role]account.Perm{account.Staff: account.PermQueueRun}

func TestCan(t *testing.T) {
	for _, r := range roles {
		for _, p := range perms {
			g, ok := matrix[r][p]
			if !ok {
				t.Fatalf("the test's matrix has no entry for %s %s", r, p)
			}
			for i, sc := range scopes {
				for _, as := range assignments {
					want := g[i]
					if narrowed[r] == p && as.unit != "" && len(as.units) > 0 && !slices.Contains(as.units, as.unit) {
						want = false
					}
					u := account.User{Username: "u", Role: r, Facility: sc.account, Units: as.units}
					t.Run(fmt.Sprintf("%s/%s/%s/%s", r, p, sc.name, as.name), func(t *testing.T) {
						if got := u.Can(p, sc.facility, as.unit); got != want {
							t.Errorf("got %v, want %v", got, want)
						}
						u.Disabled = true
						if got, want := u.Can(p, sc.facility, as.unit), p == account.PermPublic; got != want {
							t.Errorf("disabled: got %v, want %v", got, want)
						}
					})
				}
			}
		}
	}
}

func TestCanUnknownRole(t *testing.T) {
	u := account.User{Username: "u", Role: "root", Facility: "sobo"}
	for _, p := range perms {
		if got, want := u.Can(p, "sobo", ""), p == account.PermPublic; got != want {
			t.Errorf("%s: got %v, want %v", p, got, want)
		}
	}
}

// Matrix documents the same matrix: a role holds a permission when it is
// granted anywhere.
func TestMatrix(t *testing.T) {
	got := account.Matrix()
	for _, r := range roles {
		var want []account.Perm
		for _, p := range perms {
			if g := matrix[r][p]; p != account.PermPublic && g != none {
				want = append(want, p)
			}
		}
		have := slices.Clone(got[r])
		slices.Sort(have)
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("%s: got %v, want %v", r, have, want)
		}
	}
	if len(got) != len(roles) {
		t.Errorf("got %d roles, want %d", len(got), len(roles))
	}
}

// An admin gives accounts and API tokens only within its own reach: the
// account or token may do nothing, anywhere, that its giver may not.
func TestCanGrant(t *testing.T) {
	admin := account.User{Username: "a", Role: account.Admin, Facility: "sobo"}
	district := account.User{Username: "k", Role: account.Admin}
	for _, tc := range []struct {
		name     string
		giver    account.User
		role     account.Role
		facility string
		want     bool
	}{
		{"facility admin: staff of its facility", admin, account.Staff, "sobo", true},
		{"facility admin: kader of its facility", admin, account.Kader, "sobo", true},
		{"facility admin: admin of its facility", admin, account.Admin, "sobo", true},
		{"facility admin: dinkes, who reads every facility", admin, account.Dinkes, "sobo", false},
		{"facility admin: staff of another facility", admin, account.Staff, "kabat", false},
		{"facility admin: a district admin", admin, account.Admin, "", false},
		{"facility admin: an unknown role", admin, "root", "sobo", false},
		{"district admin: dinkes", district, account.Dinkes, "sobo", true},
		{"district admin: staff of any facility", district, account.Staff, "kabat", true},
		{"district admin: another district admin", district, account.Admin, "", true},
		{"disabled admin", account.User{Role: account.Admin, Facility: "sobo", Disabled: true}, account.Kader, "sobo", false},
		{"staff: staff like itself", account.User{Role: account.Staff, Facility: "sobo"}, account.Staff, "sobo", false},
		{"dinkes: dinkes like itself", account.User{Role: account.Dinkes}, account.Dinkes, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.giver.CanGrant(tc.role, tc.facility); got != tc.want {
				t.Errorf("%s (%q) granting %s at %q: got %v, want %v", tc.giver.Role, tc.giver.Facility, tc.role, tc.facility, got, tc.want)
			}
		})
	}
}

// Whatever CanGrant allows stays within the giver's reach, by the matrix:
// every permission of the grant, on its facility, another, and for any
// unit, is one the giver holds there too.
func TestCanGrantWithinReach(t *testing.T) {
	facilities := []string{"sobo", "kabat", ""}
	granted := 0
	for _, gr := range roles {
		for _, gf := range facilities {
			giver := account.User{Username: "g", Role: gr, Facility: gf}
			for _, r := range roles {
				for _, f := range facilities {
					if !giver.CanGrant(r, f) {
						continue
					}
					granted++
					grant := account.User{Username: "t", Role: r, Facility: f}
					for _, p := range perms {
						for _, at := range facilities {
							for _, unit := range []string{"", "UMUM"} {
								if grant.Can(p, at, unit) && !giver.Can(p, at, unit) {
									t.Errorf("%s of %q granted %s of %q, which may %s at %q (unit %q) where its giver may not",
										gr, gf, r, f, p, at, unit)
								}
							}
						}
					}
				}
			}
		}
	}
	if granted == 0 {
		t.Fatal("CanGrant allowed nothing at all")
	}
}
