package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Summary is a latency distribution in milliseconds.
type Summary struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean_ms"`
	P50  float64 `json:"p50_ms"`
	P95  float64 `json:"p95_ms"`
	P99  float64 `json:"p99_ms"`
	Max  float64 `json:"max_ms"`
}

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) summary() Summary {
	l.mu.Lock()
	d := slices.Clone(l.d)
	l.mu.Unlock()
	return summarize(d)
}

func summarize(d []time.Duration) Summary {
	if len(d) == 0 {
		return Summary{}
	}
	slices.Sort(d)
	ms := func(x time.Duration) float64 { return math.Round(float64(x)/1e3) / 1e3 }
	at := func(p float64) float64 { return ms(d[min(len(d)-1, int(math.Ceil(p*float64(len(d))))-1)]) }
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Summary{N: len(d), Mean: ms(sum / time.Duration(len(d))), P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: ms(d[len(d)-1])}
}

// IdleReport is the server memory idle sockets hold.
type IdleReport struct {
	Conns int `json:"conns"`
	// BytesPerConn is the growth of heap and stacks in use per socket two
	// seconds after the last one opened: what the sockets hold plus the
	// garbage their handshakes left that the collector has not freed yet.
	BytesPerConn float64 `json:"bytes_per_conn"`
	// RetainedPerConn is the same growth, both readings taken just after
	// a garbage collection: what the sockets keep.
	RetainedPerConn float64 `json:"retained_bytes_per_conn"`
	// RetainedStackPerConn is the goroutine stacks' part of it.
	RetainedStackPerConn float64 `json:"retained_stack_bytes_per_conn"`
	// RetainedObjectsPerConn is the heap objects' part (the rest is the
	// free slots of the spans they sit in).
	RetainedObjectsPerConn float64 `json:"retained_object_bytes_per_conn"`
	// OpenSeconds is how long opening them took (64 at a time, each
	// getting its first snapshot): a reconnect storm of this size.
	OpenSeconds      float64 `json:"open_seconds"`
	GoroutinesBefore int     `json:"goroutines_before"`
	GoroutinesOpen   int     `json:"goroutines_open"`
	GoroutinesAfter  int     `json:"goroutines_after"`
}

// Metrics is what the server says of itself at /metrics.
type Metrics struct {
	GCCycles   int     `json:"gc_cycles"`
	Goroutines int     `json:"goroutines"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	HeapAlloc  float64 `json:"heap_alloc_bytes"` // the heap's objects; HeapInuse also counts the free slots of their spans
	StackInuse float64 `json:"stack_inuse_bytes"`
	RSS        float64 `json:"rss_bytes"`
	OK         bool    `json:"ok"`
}

func scrape(ctx context.Context, c *http.Client, base string) Metrics {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	resp, err := c.Do(req)
	if err != nil {
		return Metrics{}
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Metrics{}
	}
	var m Metrics
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
		if err != nil {
			continue
		}
		switch name {
		case "go_goroutines":
			m.Goroutines, m.OK = int(v), true
		case "go_gc_duration_seconds_count":
			m.GCCycles = int(v)
		case "go_memstats_heap_inuse_bytes":
			m.HeapInuse = v
		case "go_memstats_heap_alloc_bytes":
			m.HeapAlloc = v
		case "go_memstats_stack_inuse_bytes":
			m.StackInuse = v
		case "process_resident_memory_bytes":
			m.RSS = v
		}
	}
	return m
}

// Report is everything one run measured.
type Report struct {
	Started  time.Time `json:"started"`
	Duration float64   `json:"duration_s"`
	Options  struct {
		Bookings, Patients, Staff, Screens, Trackers, IdleScreens int
		Rate, RetryShare                                          float64
		Units                                                     []string
		Facilities                                                int
	} `json:"options"`
	Bookings struct {
		OK        int     `json:"ok"`
		Replays   int     `json:"idempotent_replays"`
		PerSecond float64 `json:"per_second"`
		Latency   Summary `json:"latency"`
	} `json:"bookings"`
	Calls struct {
		OK        int     `json:"ok"`
		Empty     int     `json:"empty"`
		PerSecond float64 `json:"per_second"`
		Latency   Summary `json:"latency"`
	} `json:"calls"`
	// CallToScreen is, for every call and every screen, the time from the
	// staff's tap (the call's HTTP request sent) to the called event
	// arriving at that screen; CallToAllScreens takes the slowest screen
	// per call. CallToAllAfterAnswer measures the same from the call's
	// answer (0 when every screen had it first), as reports before
	// 2026-12-07 did: the answer can come after the screens have the call,
	// while the service is writing to them, so it understates what the
	// staff and the patients see. CallToFirstScreen (from the tap to the
	// first screen that had the call) and CallSpread (from that screen to
	// the last) split the way in two: the service's work before its first
	// write, and the fan-out.
	CallToScreen         Summary        `json:"call_to_screen"`
	CallToAllScreens     Summary        `json:"call_to_all_screens"`
	CallToAllAfterAnswer Summary        `json:"call_to_all_screens_after_answer"`
	CallToFirstScreen    Summary        `json:"call_to_first_screen"`
	CallSpread           Summary        `json:"call_first_to_last_screen"`
	TrackerMessages      int64          `json:"tracker_messages"`
	Errors               map[string]int `json:"errors"`
	Server               struct {
		Before, During, After Metrics
	} `json:"server"`
	Baselines struct {
		PGInsertsPerSecond float64 `json:"pg_inserts_per_second"`
		EchoPerSecond      float64 `json:"echo_empty_per_second"`
		BookingVsPGInsert  float64 `json:"booking_vs_pg_insert"`
		BookingVsEcho      float64 `json:"booking_vs_echo"`
		// Fanout is the floor under call to every screen (runs with 1,000
		// screens or more).
		Fanout *FanoutReport `json:"raw_tcp_fanout,omitempty"`
	} `json:"baselines"`
	// CPU is the CPU time of the service, PostgreSQL, Redis and the tool
	// (when they run on this machine) while the bookings ran, while the
	// whole load ran, and while the insert baseline ran.
	CPU struct {
		Bookings   CPUUse `json:"bookings"`
		Load       CPUUse `json:"load"`
		Deliveries int    `json:"screen_deliveries"`
		// Messages is every event message the screens received during
		// the run (bookings, calls, finishes): one write each on the server.
		Messages int64  `json:"screen_messages"`
		Insert   CPUUse `json:"pg_insert_baseline"`
		Inserts  int64  `json:"pg_inserts"`
	} `json:"cpu"`
	Idle       *IdleReport `json:"idle,omitempty"`
	Violations []string    `json:"violations"`

	mu sync.Mutex
}

func (r *Report) errorf(kind string) {
	r.mu.Lock()
	r.Errors[kind]++
	r.mu.Unlock()
}

func (r *Report) violate(format string, args ...any) {
	r.mu.Lock()
	if len(r.Violations) < 100 {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
	r.mu.Unlock()
}

// Print writes the report for people.
func (r *Report) Print(w io.Writer) {
	line := func(name string, s Summary) {
		fmt.Fprintf(w, "  %-22s n=%-7d p50=%7.2fms p95=%7.2fms p99=%7.2fms max=%8.2fms\n", name, s.N, s.P50, s.P95, s.P99, s.Max)
	}
	fmt.Fprintf(w, "antrian-load: %d facilities, %d bookings by %d patients (retry share %.2f), %d staff, %d screens, %d phones, %.1fs\n",
		r.Options.Facilities, r.Options.Bookings, r.Options.Patients, r.Options.RetryShare, r.Options.Staff, r.Options.Screens, r.Options.Trackers, r.Duration)
	fmt.Fprintf(w, "  bookings: %d ok (%d idempotent replays), %.0f/s\n", r.Bookings.OK, r.Bookings.Replays, r.Bookings.PerSecond)
	line("booking latency", r.Bookings.Latency)
	fmt.Fprintf(w, "  calls: %d ok, %d empty, %.0f/s\n", r.Calls.OK, r.Calls.Empty, r.Calls.PerSecond)
	line("call latency", r.Calls.Latency)
	line("call to a screen", r.CallToScreen)
	line("call to every screen", r.CallToAllScreens)
	line("  from the answer", r.CallToAllAfterAnswer)
	line("  to the first screen", r.CallToFirstScreen)
	line("  first to last screen", r.CallSpread)
	fmt.Fprintf(w, "  phones got %d ticket messages\n", r.TrackerMessages)
	if r.Baselines.PGInsertsPerSecond > 0 {
		fmt.Fprintf(w, "  baseline: raw Postgres single-row inserts %.0f/s; booking/insert = %.2f\n", r.Baselines.PGInsertsPerSecond, r.Baselines.BookingVsPGInsert)
	}
	if r.Baselines.EchoPerSecond > 0 {
		fmt.Fprintf(w, "  baseline: empty echo handler %.0f req/s; booking/echo = %.3f\n", r.Baselines.EchoPerSecond, r.Baselines.BookingVsEcho)
	}
	if f := r.Baselines.Fanout; f != nil {
		fmt.Fprintf(w, "  baseline: raw TCP fan-out, one %d-byte write to each of %d loopback sockets by a goroutine per socket (no WebSocket, JSON or queue), %d rounds, each right after a call reached every screen:\n",
			fanoutSize, f.Sockets, f.Rounds)
		fmt.Fprintf(w, "    to every socket p50 %.1f ms, p99 %.1f ms; to a socket p50 %.1f ms, p99 %.1f ms\n", f.ToEvery.P50, f.ToEvery.P99, f.ToOne.P50, f.ToOne.P99)
		if f.ToEvery.P99 > 0 && r.CallToAllScreens.N > 0 {
			fmt.Fprintf(w, "    call to every screen / raw fan-out: p50 %.2fx, p99 %.2fx (from the answer: p50 %.2fx, p99 %.2fx)\n",
				r.CallToAllScreens.P50/f.ToEvery.P50, r.CallToAllScreens.P99/f.ToEvery.P99,
				r.CallToAllAfterAnswer.P50/f.ToEvery.P50, r.CallToAllAfterAnswer.P99/f.ToEvery.P99)
		}
	}
	r.CPU.Bookings.per(w, float64(r.Bookings.OK), "booking (all work while bookings ran)")
	r.CPU.Insert.per(w, float64(r.CPU.Inserts), "raw insert (baseline)")
	if r.Options.Screens >= 1000 {
		r.CPU.Load.per(w, float64(r.CPU.Deliveries), "call delivered to a screen (all work in the run)")
		r.CPU.Load.per(w, float64(r.CPU.Messages), "event message to a screen, any kind (all work in the run)")
	}
	s := r.Server
	if s.Before.OK {
		fmt.Fprintf(w, "  server goroutines before/during/after: %d/%d/%d; heap in use %.1f/%.1f/%.1f MiB; RSS %.1f/%.1f/%.1f MiB\n",
			s.Before.Goroutines, s.During.Goroutines, s.After.Goroutines,
			s.Before.HeapInuse/(1<<20), s.During.HeapInuse/(1<<20), s.After.HeapInuse/(1<<20),
			s.Before.RSS/(1<<20), s.During.RSS/(1<<20), s.After.RSS/(1<<20))
	}
	if r.Idle != nil {
		fmt.Fprintf(w, "  idle sockets: %d opened in %.2f s, 64 at a time, each with its snapshot\n", r.Idle.Conns, r.Idle.OpenSeconds)
		fmt.Fprintf(w, "  idle sockets: %d; server heap+stack each %.1f KiB retained after a GC (stacks %.1f KiB, heap %.1f KiB of which objects %.1f KiB; %.1f KiB just after opening, with handshake garbage); goroutines %d -> %d -> %d\n",
			r.Idle.Conns, r.Idle.RetainedPerConn/1024, r.Idle.RetainedStackPerConn/1024, (r.Idle.RetainedPerConn-r.Idle.RetainedStackPerConn)/1024,
			r.Idle.RetainedObjectsPerConn/1024, r.Idle.BytesPerConn/1024, r.Idle.GoroutinesBefore, r.Idle.GoroutinesOpen, r.Idle.GoroutinesAfter)
	}
	if len(r.Errors) > 0 {
		fmt.Fprintf(w, "  errors: %v\n", r.Errors)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "  invariants: unique numbers, each ticket called once, every call on every screen: OK")
	} else {
		fmt.Fprintf(w, "  INVARIANT VIOLATIONS (%d):\n", len(r.Violations))
		for _, v := range r.Violations {
			fmt.Fprintln(w, "   -", v)
		}
	}
}

// api is one HTTP client of the service, optionally logged in as staff.
type api struct {
	base string
	http *http.Client
	csrf string
}

func newAPI(base string, conns int) *api {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, IdleConnTimeout: 90 * time.Second}
	return &api{base: base, http: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}}
}

func (a *api) do(ctx context.Context, method, path string, body any, hdr map[string]string, out any) (int, string, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return 0, "", err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if a.csrf != "" {
		req.Header.Set("X-CSRF-Token", a.csrf)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 400 {
		var e struct {
			Error struct{ Code string } `json:"error"`
		}
		json.Unmarshal(raw, &e)
		return resp.StatusCode, e.Error.Code, nil
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.StatusCode, "", err
		}
	}
	return resp.StatusCode, "", nil
}

type ticket struct {
	ID          string `json:"id"`
	Unit        string `json:"unit"`
	ServiceDate string `json:"service_date"`
	Number      int    `json:"number"`
	Code        string `json:"code"`
	Token       string `json:"token"`
	Status      string `json:"status"`
}

type wsEvent struct {
	Type        string `json:"type"`
	Seq         int64  `json:"seq"`
	Unit        string `json:"unit"`
	ServiceDate string `json:"service_date"`
	Code        string `json:"code"`
}

// screen is a TV: it records when each call reached it and checks seq.
type screen struct {
	facility string
	conn     *websocket.Conn
	mu       sync.Mutex
	index    *callIndex
	epoch    time.Time       // the run's start: arrivals are kept as the time since
	arrived  []time.Duration // by call id: first arrival after epoch; 0 = not yet
	dupes    []string        // calls told twice: what and when
	coalesce bool            // calls at once, the rest once a second: seq skips what was folded
	gaps     []string
	closed   error
	events   int64 // event messages (not snapshots) received
	tally    *callTally
}

// callsArrived counts the calls that reached s.
func (s *screen) callsArrived() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, at := range s.arrived {
		if at != 0 {
			n++
		}
	}
	return n
}

// callRef names one call: numbers restart every day, so a code is one
// ticket only together with its facility, unit and service date.
type callRef struct{ facility, unit, date, code string }

func (r callRef) String() string { return r.facility + "/" + r.unit + "/" + r.date + "/" + r.code }

// callIndex numbers the calls of a run. Each screen keeps its arrivals in a
// slice by that number: with a map of keys and times per screen, ten
// thousand screens grew the tool's heap by about 150 MB over a run, and its
// collections (65-140 ms each, with assists) slowed the screens' reading of
// the calls they overlapped, which the raw fan-out's reader never meets.
type callIndex struct {
	mu   sync.RWMutex
	ids  map[callRef]int
	refs []callRef
}

func newCallIndex() *callIndex { return &callIndex{ids: map[callRef]int{}} }

// id is r's number, given at its first sight.
func (x *callIndex) id(r callRef) int {
	x.mu.RLock()
	id, ok := x.ids[r]
	x.mu.RUnlock()
	if ok {
		return id
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if id, ok := x.ids[r]; ok {
		return id
	}
	id = len(x.refs)
	x.ids[r] = id
	x.refs = append(x.refs, r)
	return id
}

// ref is the call numbered id.
func (x *callIndex) ref(id int) callRef {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.refs[id]
}

// callTally counts, per call, the screens it has reached, so that the
// raw fan-out baseline can run right after a call reached every screen of
// its facility.
type callTally struct {
	mu      sync.Mutex
	reached []int           // by call id
	all     []chan struct{} // by call id: closed when the call reached its facility's screens
	want    map[string]int  // screens per facility
}

func newCallTally(want map[string]int) *callTally { return &callTally{want: want} }

// grow makes room for call id. t.mu is held.
func (t *callTally) grow(id int) {
	for len(t.all) <= id {
		t.all = append(t.all, make(chan struct{}))
		t.reached = append(t.reached, 0)
	}
}

// arrive notes that call id, of facility f, reached one more screen.
func (t *callTally) arrive(id int, f string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.grow(id)
	if t.reached[id]++; t.reached[id] == t.want[f] {
		close(t.all[id])
	}
}

// wait reports whether call id reached every screen within limit.
func (t *callTally) wait(ctx context.Context, id int, limit time.Duration) bool {
	t.mu.Lock()
	t.grow(id)
	ch := t.all[id]
	t.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-ctx.Done():
	case <-time.After(limit):
	}
	return false
}

func (s *screen) read() {
	var last int64 = -1
	var buf bytes.Buffer // one per screen, reused: no allocation per message
	for {
		_, r, err := s.conn.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		now := time.Now()
		if err != nil {
			s.mu.Lock()
			s.closed = err
			s.mu.Unlock()
			return
		}
		ev, ok := decodeEvent(buf.Bytes())
		if !ok {
			continue
		}
		s.mu.Lock()
		if ev.Type != "snapshot" {
			s.events++
		}
		switch {
		case s.coalesce && ev.Type == "units":
			// Board updates fold events, and a call may overtake one.
		case s.coalesce && ev.Type != "snapshot" && last >= 0 && ev.Seq <= last:
			s.gaps = append(s.gaps, fmt.Sprintf("seq %d after %d", ev.Seq, last))
		case !s.coalesce && ev.Type != "snapshot" && last >= 0 && ev.Seq != last+1:
			s.gaps = append(s.gaps, fmt.Sprintf("seq %d after %d", ev.Seq, last))
		}
		if ev.Type != "units" {
			last = ev.Seq
		}
		if ev.Type == "called" {
			// Numbers restart each day: a code is a call only with its date.
			ref := callRef{s.facility, ev.Unit, ev.ServiceDate, ev.Code}
			id := s.index.id(ref)
			for len(s.arrived) <= id {
				s.arrived = append(s.arrived, 0)
			}
			if s.arrived[id] != 0 {
				// A recall would be legitimate; this tool never recalls.
				s.dupes = append(s.dupes, fmt.Sprintf("%s again at seq %d", ref, ev.Seq))
			} else {
				s.arrived[id] = now.Sub(s.epoch)
				if s.tally != nil {
					s.tally.arrive(id, s.facility)
				}
			}
		}
		s.mu.Unlock()
	}
}

// sentCall is when the staff's call request was sent and when it was
// answered.
type sentCall struct{ sent, answered time.Time }

func wsURL(base, path string) string {
	u, _ := url.Parse(base)
	if u.Scheme == "https" {
		u.Scheme = "wss"
	} else {
		u.Scheme = "ws"
	}
	return u.String() + path
}

func dial(ctx context.Context, base, path string) (*websocket.Conn, error) {
	d := websocket.Dialer{HandshakeTimeout: 20 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512}
	c, _, err := d.DialContext(ctx, wsURL(base, path), nil)
	return c, err
}

// screenURL is the instance screens and phones connect to.
func (o Options) screenURL() string {
	if o.ScreenURL != "" {
		return o.ScreenURL
	}
	return o.URL
}

// Run performs one load run.
func Run(ctx context.Context, o Options) (*Report, error) {
	r := &Report{Started: time.Now(), Errors: map[string]int{}}
	r.Options.Bookings, r.Options.Patients, r.Options.Staff = o.Bookings, o.Patients, o.Staff
	r.Options.Screens, r.Options.Trackers, r.Options.IdleScreens = o.Screens, o.Trackers, o.IdleScreens
	r.Options.Rate, r.Options.RetryShare, r.Options.Units = o.Rate, o.RetryShare, o.Units
	r.Options.Facilities = len(o.Facilities)
	probe := newAPI(o.URL, 4)
	r.Server.Before = scrape(ctx, probe.http, o.URL)

	// Baselines first, so that they run on a quiet machine like the load.
	if o.DB != "" {
		rate, use, n, err := pgInsertBaseline(ctx, o.DB, o.Patients, o.Baseline, o.cpuTargets())
		if err != nil {
			return r, fmt.Errorf("postgres baseline: %w", err)
		}
		r.Baselines.PGInsertsPerSecond = rate
		r.CPU.Insert, r.CPU.Inserts = use, n
	}
	echoRate, err := echoBaseline(ctx, o.Patients, o.Baseline)
	if err != nil {
		return r, fmt.Errorf("echo baseline: %w", err)
	}
	r.Baselines.EchoPerSecond = echoRate
	// With 1,000 screens or more, the raw fan-out is the floor under a call
	// to every screen. It runs one round right after each call reached
	// every screen (before the counter finishes the ticket), so that both
	// are measured over the same minutes of a machine whose speed drifts.
	var fan *fanout
	var tally *callTally
	if o.Screens >= 1000 {
		if fan, err = startFanout(ctx, o.Screens); err != nil {
			return r, err
		}
		defer fan.close()
		perFacility := map[string]int{}
		for i := range o.Screens {
			perFacility[o.Facilities[i%len(o.Facilities)]]++
		}
		tally = newCallTally(perFacility)
	}

	if o.IdleScreens > 0 {
		if err := idleMemory(ctx, o, probe, r); err != nil {
			return r, err
		}
	}

	staff := newAPI(o.URL, o.Staff+2)
	var login struct {
		CSRF string `json:"csrf_token"`
	}
	if st, code, err := staff.do(ctx, "POST", "/api/v1/auth/login", map[string]string{"username": o.User, "password": o.Password}, nil, &login); err != nil || st != 200 {
		return r, fmt.Errorf("staff login: status %d %s %v", st, code, err)
	}
	staff.csrf = login.CSRF

	// Screens connect before anything happens, and must see every call.
	index, epoch := newCallIndex(), time.Now()
	screens := make([]*screen, 0, o.Screens)
	for i := range o.Screens {
		fac := o.Facilities[i%len(o.Facilities)]
		q := "/ws/display?facility=" + url.QueryEscape(fac)
		if o.Coalesce {
			q += "&coalesce=1"
		}
		c, err := dial(ctx, o.screenURL(), q)
		if err != nil {
			return r, fmt.Errorf("screen: %w", err)
		}
		s := &screen{facility: fac, conn: c, index: index, epoch: epoch, coalesce: o.Coalesce, tally: tally}
		screens = append(screens, s)
		go s.read()
	}
	defer func() {
		for _, s := range screens {
			s.conn.Close()
		}
	}()

	ct := o.cpuTargets()
	cpu0, start := ct.sample(), time.Now()
	var (
		bookLat, callLat latencies
		booked           sync.Map // unit/number -> ticket id
		calledIDs        sync.Map // ticket id -> struct{}
		callsMu          sync.Mutex
		calls            = map[int]sentCall{} // call id -> when the call was sent and answered
		bookingsOK       atomic.Int64
		replays          atomic.Int64
		callsOK, empty   atomic.Int64
		trackerMsgs      atomic.Int64
		trackerConns     []*websocket.Conn
		trackerMu        sync.Mutex
		bookingsDone     atomic.Bool
	)
	pub := newAPI(o.URL, o.Patients+2)
	// Phones differ between runs, so a second run on the same day is not
	// refused as the same people booking again.
	phoneBase := int(start.UnixNano()/1000) % 100_000_000
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		// At a rate, booking i is due at begin + i/rate: a sender that falls
		// behind catches up instead of dropping ticks (as a Ticker does), so
		// the rate reached is the rate aimed at while the service keeps up.
		begin := time.Now()
		timer := time.NewTimer(0)
		defer timer.Stop()
		for i := range o.Bookings {
			if o.Rate > 0 {
				if wait := time.Until(begin.Add(time.Duration(float64(i) * float64(time.Second) / o.Rate))); wait > 0 {
					timer.Reset(wait)
					select {
					case <-timer.C:
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var bookers sync.WaitGroup
	for range o.Patients {
		bookers.Add(1)
		go func() {
			defer bookers.Done()
			for i := range jobs {
				fac := o.Facilities[i%len(o.Facilities)]
				body := map[string]any{"unit": o.Units[(i/len(o.Facilities))%len(o.Units)], "name": fmt.Sprintf("Pasien %d", i),
					"phone": fmt.Sprintf("0812%08d", (phoneBase+i)%100_000_000), "notify": i%4 == 0}
				if i%7 == 0 {
					body["priority"] = "lansia"
				}
				hdr := map[string]string{"Idempotency-Key": fmt.Sprintf("load-%d-%d", start.UnixNano(), i)}
				var t ticket
				t0 := time.Now()
				st, code, err := pub.do(ctx, "POST", "/api/v1/facilities/"+fac+"/tickets", body, hdr, &t)
				bookLat.add(time.Since(t0))
				if err != nil || st != 201 {
					r.errorf(fmt.Sprintf("book %d %s%v", st, code, errText(err)))
					continue
				}
				bookingsOK.Add(1)
				if prev, dup := booked.LoadOrStore(fac+"/"+t.Unit+"/"+t.ServiceDate+"/"+strconv.Itoa(t.Number), t.ID); dup {
					r.violate("number %s %s-%d given to %s and %s", fac, t.Unit, t.Number, prev, t.ID)
				}
				if o.RetryShare > 0 && float64(i%100) < o.RetryShare*100 {
					var again ticket
					st, code, err := pub.do(ctx, "POST", "/api/v1/facilities/"+fac+"/tickets", body, hdr, &again)
					if err != nil || st != 200 {
						r.errorf(fmt.Sprintf("retry %d %s%v", st, code, errText(err)))
					} else if again.ID != t.ID {
						r.violate("retry with one Idempotency-Key made a second ticket: %s and %s", t.ID, again.ID)
					} else {
						replays.Add(1)
					}
				}
				trackerMu.Lock()
				want := len(trackerConns) < o.Trackers
				trackerMu.Unlock()
				if want {
					if c, err := dial(ctx, o.screenURL(), "/ws/tickets/"+t.ID+"?token="+url.QueryEscape(t.Token)); err == nil {
						trackerMu.Lock()
						trackerConns = append(trackerConns, c)
						trackerMu.Unlock()
						go func() {
							for {
								if _, _, err := c.ReadMessage(); err != nil {
									return
								}
								trackerMsgs.Add(1)
							}
						}()
					} else {
						r.errorf("tracker dial")
					}
				}
			}
		}()
	}
	type pair struct{ facility, unit string }
	var pairs []pair
	for _, f := range o.Facilities {
		for _, u := range o.Units {
			pairs = append(pairs, pair{f, u})
		}
	}
	var callers sync.WaitGroup
	for i := range min(o.Staff, len(pairs)) {
		callers.Add(1)
		var mine []pair
		for j := i; j < len(pairs); j += min(o.Staff, len(pairs)) {
			mine = append(mine, pairs[j])
		}
		go func() {
			defer callers.Done()
			idle := map[pair]bool{}
			for k := 0; ctx.Err() == nil; k++ {
				p := mine[k%len(mine)]
				if idle[p] && bookingsDone.Load() {
					if len(idle) == len(mine) {
						return
					}
					continue
				}
				var t ticket
				// An empty answer means the unit is done only for a call sent
				// after every booking was answered: an earlier one may have
				// looked before the last booking was in.
				after := bookingsDone.Load()
				t0 := time.Now()
				st, code, err := staff.do(ctx, "POST", "/api/v1/facilities/"+p.facility+"/units/"+p.unit+"/call",
					map[string]string{"counter": fmt.Sprintf("Ruang %d", i+1)}, nil, &t)
				done := time.Now()
				switch {
				case err == nil && st == 200:
					delete(idle, p)
					callLat.add(done.Sub(t0))
					callsOK.Add(1)
					if _, dup := calledIDs.LoadOrStore(t.ID, struct{}{}); dup {
						r.violate("ticket %s called twice", t.Code)
					}
					k := index.id(callRef{p.facility, t.Unit, t.ServiceDate, t.Code})
					callsMu.Lock()
					calls[k] = sentCall{sent: t0, answered: done}
					callsMu.Unlock()
					if fan != nil && tally.wait(ctx, k, 10*time.Second) {
						if err := fan.round(ctx); err != nil {
							r.errorf("raw fan-out round: " + err.Error())
						}
					}
					// Serve and finish it, as a counter does before calling again.
					if st, code, err := staff.do(ctx, "POST", "/api/v1/tickets/"+t.ID+"/finish", map[string]string{}, nil, nil); err != nil || st != 200 {
						r.errorf(fmt.Sprintf("finish %d %s%v", st, code, errText(err)))
					}
				case err == nil && st == 204:
					empty.Add(1)
					if after {
						idle[p] = true
					} else if k%len(mine) == len(mine)-1 {
						time.Sleep(20 * time.Millisecond)
					}
				default:
					r.errorf(fmt.Sprintf("call %d %s%v", st, code, errText(err)))
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	var sampler sync.WaitGroup
	stopSampling := make(chan struct{})
	sampler.Add(1)
	go func() {
		defer sampler.Done()
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				m := scrape(ctx, probe.http, o.URL)
				if m.Goroutines > r.Server.During.Goroutines {
					r.Server.During = m
				}
			}
		}
	}()
	bookers.Wait()
	bookEnd := time.Since(start)
	r.CPU.Bookings = cpuUse(cpu0, ct.sample(), bookEnd.Seconds())
	bookingsDone.Store(true)
	callers.Wait()
	if fan != nil {
		r.Baselines.Fanout = fan.report()
	}
	callEnd := time.Since(start)
	r.CPU.Load = cpuUse(cpu0, ct.sample(), callEnd.Seconds())
	close(stopSampling)
	sampler.Wait()

	r.Bookings.OK, r.Bookings.Replays = int(bookingsOK.Load()), int(replays.Load())
	r.Bookings.PerSecond = float64(r.Bookings.OK) / bookEnd.Seconds()
	r.Bookings.Latency = bookLat.summary()
	r.Calls.OK, r.Calls.Empty = int(callsOK.Load()), int(empty.Load())
	r.Calls.PerSecond = float64(r.Calls.OK) / callEnd.Seconds()
	r.Calls.Latency = callLat.summary()
	if o.Staff > 0 && r.Calls.OK != r.Bookings.OK {
		r.violate("%d tickets booked but %d called: tickets were lost", r.Bookings.OK, r.Calls.OK)
	}

	// Every call must reach every screen of its facility; wait for stragglers.
	perFacility := map[string]int{}
	for k := range calls {
		perFacility[index.ref(k).facility]++
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, s := range screens {
		for {
			n := s.callsArrived()
			if n >= perFacility[s.facility] || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	var toScreen, toAll, toAllAfter, toFirst, spread []time.Duration
	for k, c := range calls {
		ref := index.ref(k)
		var worst time.Duration
		first := time.Duration(math.MaxInt64)
		seen := false
		for i, s := range screens {
			if s.facility != ref.facility {
				continue
			}
			s.mu.Lock()
			var at time.Duration
			if k < len(s.arrived) {
				at = s.arrived[k]
			}
			s.mu.Unlock()
			if at == 0 {
				r.violate("screen %d never showed call %s", i, ref)
				continue
			}
			d := at - c.sent.Sub(epoch)
			toScreen = append(toScreen, d)
			worst, first = max(worst, d), min(first, d)
			seen = true
		}
		if seen {
			toAll = append(toAll, worst)
			toAllAfter = append(toAllAfter, max(c.sent.Add(worst).Sub(c.answered), 0))
			toFirst, spread = append(toFirst, first), append(spread, worst-first)
		}
	}
	for i, s := range screens {
		s.mu.Lock()
		if len(s.gaps) > 0 {
			r.violate("screen %d saw seq gaps: %v", i, s.gaps[:min(3, len(s.gaps))])
		}
		if len(s.dupes) > 0 {
			r.violate("screen %d was told %d calls twice: %v", i, len(s.dupes), s.dupes[:min(10, len(s.dupes))])
		}
		r.CPU.Messages += s.events
		if s.closed != nil && !strings.Contains(s.closed.Error(), "use of closed") {
			r.violate("screen %d was disconnected: %v", i, s.closed)
		}
		s.mu.Unlock()
	}
	r.CallToScreen, r.CallToAllScreens, r.CallToAllAfterAnswer = summarize(toScreen), summarize(toAll), summarize(toAllAfter)
	r.CallToFirstScreen, r.CallSpread = summarize(toFirst), summarize(spread)
	r.CPU.Deliveries = len(toScreen)
	r.TrackerMessages = trackerMsgs.Load()
	for _, c := range trackerConns {
		c.Close()
	}
	for _, s := range screens {
		s.conn.Close()
	}
	// Idle keep-alive connections are clients too: leave like the rest.
	pub.http.CloseIdleConnections()
	staff.http.CloseIdleConnections()
	r.Server.After = settle(ctx, probe, o.URL, r.Server.Before.Goroutines)
	if r.Server.Before.OK && r.Server.After.Goroutines > r.Server.Before.Goroutines+20 {
		r.violate("server goroutines did not come back: %d before, %d after", r.Server.Before.Goroutines, r.Server.After.Goroutines)
	}
	if r.Baselines.PGInsertsPerSecond > 0 {
		r.Baselines.BookingVsPGInsert = round2(r.Bookings.PerSecond / r.Baselines.PGInsertsPerSecond)
	}
	if r.Baselines.EchoPerSecond > 0 {
		r.Baselines.BookingVsEcho = math.Round(r.Bookings.PerSecond/r.Baselines.EchoPerSecond*1000) / 1000
	}
	r.Duration = round2(time.Since(r.Started).Seconds())
	return r, ctx.Err()
}

// settle waits (up to 30 s: an idle facility retires its goroutines after 10 s) for the server's goroutines to come back to
// near their level before, and returns its metrics then.
func settle(ctx context.Context, probe *api, base string, before int) Metrics {
	var m Metrics
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		m = scrape(ctx, probe.http, base)
		if !m.OK || m.Goroutines <= before+5 {
			break
		}
	}
	return m
}

// afterGC waits (up to three minutes: the runtime collects at least every
// two) for the server's next garbage collection and returns its metrics
// read just after it.
func afterGC(ctx context.Context, probe *api, base string) (Metrics, error) {
	m0 := scrape(ctx, probe.http, base)
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return Metrics{}, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if m := scrape(ctx, probe.http, base); m.OK && m.GCCycles > m0.GCCycles {
			return m, nil
		}
	}
	return Metrics{}, fmt.Errorf("the server did not collect garbage in three minutes")
}

// idleMemory opens n idle display sockets and reports the server's heap and
// stack growth per socket, then closes them and checks goroutines return.
func idleMemory(ctx context.Context, o Options, probe *api, r *Report) error {
	before := settle(ctx, probe, o.URL, 1<<30)
	if !before.OK {
		return fmt.Errorf("idle memory needs the server's /metrics")
	}
	beforeGC, err := afterGC(ctx, probe, o.URL)
	if err != nil {
		return err
	}
	conns := make([]*websocket.Conn, 0, o.IdleScreens)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed atomic.Int64
	sem := make(chan struct{}, 64)
	opening := time.Now()
	for range o.IdleScreens {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(ctx, o.URL, "/ws/display?facility="+url.QueryEscape(o.Facilities[0]))
			if err != nil {
				failed.Add(1)
				return
			}
			// The snapshot is the first message: the socket is open once
			// it has arrived.
			if _, _, err := c.ReadMessage(); err != nil {
				failed.Add(1)
				c.Close()
				return
			}
			go func() {
				for {
					if _, _, err := c.ReadMessage(); err != nil {
						return
					}
				}
			}()
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	openSeconds := time.Since(opening).Seconds()
	if n := failed.Load(); n > 0 {
		r.violate("%d of %d idle sockets failed to connect", n, o.IdleScreens)
	}
	time.Sleep(2 * time.Second)
	open := scrape(ctx, probe.http, o.URL)
	openGC, gcErr := afterGC(ctx, probe, o.URL)
	for _, c := range conns {
		c.Close()
	}
	if gcErr != nil {
		return gcErr
	}
	after := settle(ctx, probe, o.URL, before.Goroutines)
	r.Idle = &IdleReport{Conns: len(conns), OpenSeconds: round2(openSeconds), GoroutinesBefore: before.Goroutines, GoroutinesOpen: open.Goroutines, GoroutinesAfter: after.Goroutines}
	if n := float64(len(conns)); n > 0 {
		r.Idle.BytesPerConn = math.Round((open.HeapInuse + open.StackInuse - before.HeapInuse - before.StackInuse) / n)
		r.Idle.RetainedPerConn = math.Round((openGC.HeapInuse + openGC.StackInuse - beforeGC.HeapInuse - beforeGC.StackInuse) / n)
		r.Idle.RetainedStackPerConn = math.Round((openGC.StackInuse - beforeGC.StackInuse) / n)
		r.Idle.RetainedObjectsPerConn = math.Round((openGC.HeapAlloc - beforeGC.HeapAlloc) / n)
	}
	if after.Goroutines > before.Goroutines+20 {
		r.violate("goroutines after idle sockets closed: %d, before %d", after.Goroutines, before.Goroutines)
	}
	return nil
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return " " + err.Error()
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
