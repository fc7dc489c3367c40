// Command antrian-load drives a running antrian service the way a morning
// rush does: patients booking (some retrying with the same Idempotency-Key),
// staff calling next on several units, and TV screens and patients' phones
// connected over WebSockets. It measures throughput, latency percentiles,
// call-to-screen latency and the server's memory and goroutines, measures
// baselines on the same machine in the same run (raw Postgres inserts, an
// empty echo handler), checks the queue's invariants as it goes, and exits
// non-zero when one is violated.
//
//	antrian-load -url http://127.0.0.1:8080 -facility sobo -user petugas -password ... \
//	    -bookings 5000 -patients 32 -staff 6 -screens 200 -db postgres://localhost/antrian_bench
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"time"
)

// Options are the load tool's settings.
type Options struct {
	URL, User, Password string
	ScreenURL           string   // where screens and phones connect (empty: URL)
	Coalesce            bool     // screens ask for calls at once and the rest of the board once a second
	Facilities          []string // facility codes; bookings, callers and screens are spread over them
	Units               []string
	Bookings            int           // total bookings
	Patients            int           // concurrent booking clients
	Rate                float64       // bookings a second to aim at (0: as fast as possible)
	RetryShare          float64       // share of bookings sent twice with one Idempotency-Key
	Staff               int           // concurrent callers
	Screens             int           // /ws/display clients
	Trackers            int           // /ws/tickets clients
	IdleScreens         int           // extra idle display sockets, for memory per connection
	DB                  string        // Postgres for the insert baseline ("" skips it)
	ServicePID          int           // the service's process on this machine, for CPU accounting (0: none)
	RedisPID            int           // its Redis's process on this machine (0: not counted)
	Baseline            time.Duration // how long each baseline runs
	Out                 string        // JSON report file
	Timeout             time.Duration
}

func main() {
	if len(os.Args) == 3 && (os.Args[1] == fanoutChildArg || os.Args[1] == fanoutReaderArg) {
		os.Exit(fanoutChildMain(os.Args[1], os.Args[2]))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "antrian-load:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var o Options
	var units, facilities string
	var district int
	fs := flag.NewFlagSet("antrian-load", flag.ContinueOnError)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the service")
	fs.BoolVar(&o.Coalesce, "coalesce", false, "screens connect with coalesce=1, as the TV page does: calls at once, the rest once a second")
	fs.StringVar(&o.ScreenURL, "screen-url", "", "base URL of the instance the screens and phones connect to (empty: -url), to check delivery across instances")
	fs.StringVar(&facilities, "facility", "sobo", "facility codes, comma-separated")
	fs.IntVar(&district, "district", 0, "use the N facilities of `antrian seed --district N` (pkm001...) instead of -facility")
	fs.StringVar(&units, "units", "UMUM,GIGI,KIA,LAB", "units to book and call on, comma-separated")
	fs.StringVar(&o.User, "user", "", "staff username (for calls)")
	fs.StringVar(&o.Password, "password", "", "staff password (or ANTRIAN_LOAD_PASSWORD)")
	fs.IntVar(&o.Bookings, "bookings", 2000, "bookings in total")
	fs.IntVar(&o.Patients, "patients", 32, "concurrent booking clients")
	fs.Float64Var(&o.Rate, "rate", 0, "bookings per second to aim at (0: as fast as possible)")
	fs.Float64Var(&o.RetryShare, "retry-share", 0.1, "share of bookings retried with the same Idempotency-Key")
	fs.IntVar(&o.Staff, "staff", 4, "concurrent callers (call next), each serving its share of the facility/unit pairs")
	fs.IntVar(&o.Screens, "screens", 50, "TV screens (/ws/display), spread over the facilities, that must see every call of theirs")
	fs.IntVar(&o.Trackers, "trackers", 50, "patients' phones (/ws/tickets)")
	fs.IntVar(&o.IdleScreens, "idle", 0, "idle display sockets to hold open, to measure memory per connection")
	fs.StringVar(&o.DB, "db", "", "Postgres URL for the raw insert baseline (empty: skip)")
	fs.IntVar(&o.ServicePID, "service-pid", 0, "pid of the service when it runs on this machine: report CPU time per booking and per insert (with -db and -redis-pid)")
	fs.IntVar(&o.RedisPID, "redis-pid", 0, "pid of the service's Redis on this machine, for the CPU report")
	fs.DurationVar(&o.Baseline, "baseline", 3*time.Second, "duration of each baseline")
	fs.StringVar(&o.Out, "out", "", "write the report as JSON to this file")
	fs.DurationVar(&o.Timeout, "timeout", 5*time.Minute, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.Units = splitList(units)
	o.Facilities = splitList(facilities)
	if district > 0 {
		o.Facilities = nil
		for i := 1; i <= district; i++ {
			o.Facilities = append(o.Facilities, fmt.Sprintf("pkm%03d", i))
		}
	}
	if o.Password == "" {
		o.Password = os.Getenv("ANTRIAN_LOAD_PASSWORD")
	}
	if o.User == "" || o.Password == "" {
		return fmt.Errorf("-user and -password (or ANTRIAN_LOAD_PASSWORD) are required to call tickets")
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	rep, err := Run(ctx, o)
	if rep != nil {
		rep.Print(out)
		if o.Out != "" {
			b, _ := json.MarshalIndent(rep, "", "  ")
			if werr := os.WriteFile(o.Out, b, 0o644); werr != nil && err == nil {
				err = werr
			}
		}
	}
	if err != nil {
		return err
	}
	if len(rep.Violations) > 0 {
		return fmt.Errorf("%d invariant violations", len(rep.Violations))
	}
	return nil
}

// fanoutChildMain runs the writing or the reading side of the fan-out
// baseline.
func fanoutChildMain(side, n string) int {
	count, err := strconv.Atoi(n)
	if err == nil {
		if side == fanoutReaderArg {
			err = fanoutReader(count, os.Stdin, os.Stdout)
		} else {
			err = fanoutWriter(count, os.Stdin, os.Stdout)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "antrian-load fan-out", side, err)
		return 1
	}
	return 0
}

func splitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// cpuTargets is what the CPU report counts: nothing without the service's pid.
func (o Options) cpuTargets() cpuTargets {
	return cpuTargets{Service: o.ServicePID, Redis: o.RedisPID, DB: databaseName(o.DB)}
}
