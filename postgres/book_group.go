package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/antrian/antrian/fault"
	"github.com/antrian/antrian/queue"
	"github.com/jackc/pgx/v5"
)

// group is one group commit's transaction: what it read under its
// facilities' locks, and what its bookings decided.
type group struct {
	items  []*bookItem
	outs   []bookOutcome
	facs   map[int64]*facState
	units  map[unitDay]*unitState
	keys   map[facKey]storedKey // idempotency keys found in the table
	dups   map[int]string       // item -> the person's active ticket found in the table
	fetch  map[int]string       // item -> ticket to read for its answer (replay or duplicate)
	taken  map[facKey]int       // keys used by this group's new tickets -> item
	people map[personKey]int    // people holding this group's new tickets -> item
	// wait makes the group wait for its facilities' locks; without it a
	// facility locked by another transaction is skipped (lockFacilities)
	// and its bookings are left for later.
	wait bool
}

type facState struct {
	code string
	seq  int64
	used bool
}

type unitDay struct {
	unit int64
	day  string
}

type unitState struct {
	last     int
	lastKey  int64
	waiting  int
	cc, cn   string
	accepted bool
}

type facKey struct {
	facility int64
	key      string
}

type storedKey struct {
	hash   []byte
	ticket string
}

type personKey struct {
	ud   unitDay
	kind byte
	hash string
}

// newGroup makes the group of items. A group of one facility's bookings
// (a group of one among them, which readOne locks without skipping) waits
// for its lock, as does a group beside the queue (wait): skipping the only
// facility would leave it nothing to do, and the work of its reads would
// be done twice.
func newGroup(items []*bookItem, wait bool) *group {
	wait = wait || !slices.ContainsFunc(items, func(it *bookItem) bool { return it.nt.FacilityID != items[0].nt.FacilityID })
	return &group{items: items, wait: wait, outs: make([]bookOutcome, len(items)), facs: map[int64]*facState{},
		units: map[unitDay]*unitState{}, keys: map[facKey]storedKey{}, dups: map[int]string{},
		fetch: map[int]string{}, taken: map[facKey]int{}, people: map[personKey]int{}}
}

// reads returns the group's statements: a group of one has its own.
func (g *group) reads() (read func() *pgx.Batch, scan func(pgx.BatchResults) error, write func() *pgx.Batch) {
	if len(g.items) == 1 {
		return g.readOne, g.scanOne, g.writeOne
	}
	return g.readBatch, g.scanReads, g.writeBatch
}

// commitGroup runs one transaction for items and returns their outcomes in
// order. An error means nothing was committed. A group of one reads and
// writes with its own statements (book_alone.go) and decides as any group.
func (db *DB) commitGroup(ctx context.Context, items []*bookItem, wait bool) ([]bookOutcome, error) {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release() // a connection left inside a transaction is closed, not reused
	g := newGroup(items, wait)
	read, scan, write := g.reads()
	br := conn.SendBatch(ctx, read())
	tx := br.Tx()
	committed := false
	defer func() {
		if !committed { // a no-op when the batch failed before BEGIN
			tx.Rollback(ctx)
		}
	}()
	if err := scan(br); err != nil {
		return nil, err
	}
	for i := range items {
		g.decide(i)
	}
	if err := g.fetchTickets(ctx, tx); err != nil {
		return nil, err
	}
	if err := db.runHooks(tx, g); err != nil {
		return nil, err
	}
	b := write()
	b.Queue(`COMMIT`)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, err
	}
	committed = true
	return g.outs, nil
}

// beginBooking begins a group's transaction. Its statements are planned
// once per connection (a generic plan) instead of at every execution: each
// is built of index lookups whatever its parameters (TestBookReadsByIndex),
// and planning the group's lateral lookups anew cost PostgreSQL more than
// running them (about 1 ms a group at bind, against 0.1 ms to execute).
func beginBooking() *pgx.Batch {
	b := &pgx.Batch{}
	b.BeginTx(pgx.TxOptions{})
	b.Queue(`SET LOCAL plan_cache_mode = force_generic_plan`)
	return b
}

// readBatch begins, locks the group's facilities in id order, and reads
// under the locks everything its bookings depend on: their idempotency keys,
// the people's active tickets, and each unit's day (last number and order
// key, waiting count, current call). Nothing here counts or walks a unit's
// line.
func (g *group) readBatch() *pgx.Batch {
	var facIDs, keyFacs, units, dupUnits []int64
	var keys, days, dupDays []string
	var dupItems []int32
	var niks, bpjss, phones [][]byte
	seenUD := map[unitDay]bool{}
	for i, it := range g.items {
		nt := it.nt
		facIDs = append(facIDs, nt.FacilityID)
		if nt.IdempotencyKey != "" {
			keyFacs, keys = append(keyFacs, nt.FacilityID), append(keys, nt.IdempotencyKey)
		}
		if nt.NIKHash != nil || nt.BPJSHash != nil || nt.PhoneHash != nil {
			dupItems, dupUnits, dupDays = append(dupItems, int32(i)), append(dupUnits, nt.UnitID), append(dupDays, nt.ServiceDate)
			niks, bpjss, phones = append(niks, nt.NIKHash), append(bpjss, nt.BPJSHash), append(phones, nt.PhoneHash)
		}
		if ud := (unitDay{nt.UnitID, nt.ServiceDate}); !seenUD[ud] {
			seenUD[ud] = true
			units, days = append(units, nt.UnitID), append(days, nt.ServiceDate)
		}
	}
	slices.Sort(facIDs)
	facIDs = slices.Compact(facIDs)
	b := beginBooking()
	// Rows are locked as the sorted scan returns them: in id order.
	b.Queue(`SELECT id, code, event_seq FROM facilities WHERE id = ANY($1) ORDER BY id `+g.lockFacilities(), facIDs)
	// Each key and each hash is one index lookup, whatever the statistics
	// say: a lateral subquery (kept one by its LIMIT, not flattened into a
	// join) runs per row of the group on its own index. A join of the
	// arrays with the tables, or an OR of the hashes, let a prepared
	// statement keep a plan made while the tables were small: a sequential
	// scan per group or per booking, however large the tables grew.
	b.Queue(`SELECT k.facility_id, k.key, k.request_hash, k.ticket_id FROM unnest($1::bigint[], $2::text[]) q(facility_id, key)
		CROSS JOIN LATERAL (SELECT * FROM idempotency_keys k WHERE k.facility_id = q.facility_id AND k.key = q.key
			AND k.created_at > $3 LIMIT 1) k`, keyFacs, keys, g.items[0].now.Add(-idempotencyTTL))
	// "+ 0" keeps the planner on the hash indexes (the person's few
	// tickets) instead of the unit's day, as in readOne.
	b.Queue(`SELECT q.i, d.id FROM unnest($1::int[], $2::bigint[], $3::text[]::date[], $4::bytea[], $5::bytea[], $6::bytea[])
			q(i, unit_id, day, nik, bpjs, phone)
		CROSS JOIN LATERAL (SELECT id FROM (
				SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE nik_hash = q.nik
				UNION ALL SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE bpjs_hash = q.bpjs
				UNION ALL SELECT id, unit_id, service_date, status, issued_at FROM tickets WHERE phone_hash = q.phone) t
			WHERE t.unit_id + 0 = q.unit_id AND t.service_date + 0 = q.day
			AND t.status IN `+activeStatuses+` ORDER BY t.issued_at LIMIT 1) d`,
		dupItems, dupUnits, dupDays, niks, bpjss, phones)
	b.Queue(`SELECT q.unit_id, q.day::text, coalesce(n.last, 0), coalesce(n.last_key, 0), coalesce(n.waiting, 0),
			coalesce(cur.code, ''), coalesce(cur.counter, '')
		FROM unnest($1::bigint[], $2::text[]::date[]) q(unit_id, day)
		LEFT JOIN LATERAL (SELECT * FROM ticket_numbers n WHERE n.unit_id = q.unit_id AND n.service_date = q.day LIMIT 1) n ON true
		LEFT JOIN LATERAL (SELECT code, counter FROM tickets WHERE unit_id = q.unit_id AND service_date = q.day
			AND status IN ('called', 'serving') ORDER BY called_at DESC, id LIMIT 1) cur ON true`, units, days)
	return b
}

// scanReads reads readBatch's answers into the group.
func (g *group) scanReads(br pgx.BatchResults) error {
	defer br.Close()
	if err := beganBooking(br); err != nil {
		return err
	}
	var id int64
	var f facState
	if _, err := pgx.ForEachRow(must(br.Query()), []any{&id, &f.code, &f.seq}, func() error {
		g.facs[id] = &facState{code: f.code, seq: f.seq}
		return nil
	}); err != nil {
		return err
	}
	var k facKey
	var sk storedKey
	if _, err := pgx.ForEachRow(must(br.Query()), []any{&k.facility, &k.key, &sk.hash, &sk.ticket}, func() error {
		g.keys[k] = storedKey{hash: slices.Clone(sk.hash), ticket: sk.ticket}
		return nil
	}); err != nil {
		return err
	}
	var item int32
	var dup string
	if _, err := pgx.ForEachRow(must(br.Query()), []any{&item, &dup}, func() error {
		g.dups[int(item)] = dup
		return nil
	}); err != nil {
		return err
	}
	var ud unitDay
	var u unitState
	if _, err := pgx.ForEachRow(must(br.Query()), []any{&ud.unit, &ud.day, &u.last, &u.lastKey, &u.waiting, &u.cc, &u.cn}, func() error {
		us := u
		g.units[ud] = &us
		return nil
	}); err != nil {
		return err
	}
	return br.Close()
}

// lockFacilities is how a group locks its facilities' rows. A group in the
// queue skips a row another transaction holds (SKIP LOCKED never waits, so
// it cannot deadlock either) rather than keep every other facility's
// bookings waiting; the group beside the queue that takes the skipped
// facilities' bookings waits for them, in id order as every lock is taken.
func (g *group) lockFacilities() string {
	if g.wait {
		return "FOR UPDATE"
	}
	return "FOR UPDATE SKIP LOCKED"
}

// beganBooking reads the answers of beginBooking's statements.
func beganBooking(br pgx.BatchResults) error {
	for range 2 { // BEGIN, SET LOCAL
		if _, err := br.Exec(); err != nil {
			return err
		}
	}
	return nil
}

// must passes on a batch's rows: pgx reports a query's error through them.
func must(rows pgx.Rows, _ error) pgx.Rows { return rows }

// decide settles item i as if the group's earlier bookings had committed
// just before it: a replay of its idempotency key (stored, or used earlier
// in the group), a duplicate of the person's active ticket (stored, or
// booked earlier in the group), the unit's quota, or a new ticket with the
// next number, order key and event seq.
func (g *group) decide(i int) {
	it := g.items[i]
	nt := it.nt
	if g.facs[nt.FacilityID] == nil {
		if !g.wait { // locked by another transaction, or gone: left to a group that waits
			g.outs[i].later = true
			return
		}
		g.outs[i].err = fmt.Errorf("facility %d: %w", nt.FacilityID, pgx.ErrNoRows)
		return
	}
	if nt.IdempotencyKey != "" {
		k := facKey{nt.FacilityID, nt.IdempotencyKey}
		if j, ok := g.taken[k]; ok {
			if !bytes.Equal(g.items[j].nt.RequestHash, nt.RequestHash) {
				g.outs[i].err = errKeyReused
				return
			}
			g.outs[i] = bookOutcome{t: g.outs[j].t}
			return
		}
		if sk, ok := g.keys[k]; ok {
			if !bytes.Equal(sk.hash, nt.RequestHash) {
				g.outs[i].err = errKeyReused
				return
			}
			g.fetch[i] = sk.ticket
			return
		}
	}
	ud := unitDay{nt.UnitID, nt.ServiceDate}
	if id, ok := g.dups[i]; ok {
		g.fetch[i] = id
		g.outs[i].err = &queue.DuplicateError{}
		return
	}
	people := personKeys(ud, nt)
	for _, p := range people {
		if j, ok := g.people[p]; ok {
			g.outs[i].err = &queue.DuplicateError{Existing: g.outs[j].t}
			return
		}
	}
	u := g.units[ud]
	if nt.Quota > 0 && u.last >= nt.Quota {
		g.outs[i].err = fmt.Errorf("unit %s on %s has issued %d tickets: %w", nt.Unit, nt.ServiceDate, nt.Quota, queue.ErrQuotaFull)
		return
	}
	g.accept(i, ud, u)
	for _, p := range people {
		g.people[p] = i
	}
	if nt.IdempotencyKey != "" {
		g.taken[facKey{nt.FacilityID, nt.IdempotencyKey}] = i
	}
}

var errKeyReused = fmt.Errorf("idempotency key reused with another request: %w",
	fault.Conflict("", "Idempotency-Key ini sudah dipakai untuk permintaan lain."))

// activeStatuses are the statuses of a person's active ticket: one of them
// in the unit that day makes a new booking a duplicate.
const activeStatuses = `('booked', 'waiting', 'called', 'serving', 'skipped')`

// keptWindow is the window a new ticket's row keeps: a booked patient's is
// her appointment; another ticket's is an estimate that moves with the
// line, and is not stored (NULL).
func keptWindow(nt queue.NewTicket) (start, end *time.Time) {
	if nt.Status == queue.Booked && !nt.Window.IsZero() {
		return &nt.Window.Start, &nt.Window.End
	}
	return nil, nil
}

func personKeys(ud unitDay, nt queue.NewTicket) []personKey {
	var out []personKey
	for kind, h := range map[byte][]byte{'n': nt.NIKHash, 'b': nt.BPJSHash, 'p': nt.PhoneHash} {
		if h != nil {
			out = append(out, personKey{ud, kind, string(h)})
		}
	}
	return out
}

// accept gives item i its number, order key (rising with numbers, so a
// later number never goes first), code and event.
func (g *group) accept(i int, ud unitDay, u *unitState) {
	it := g.items[i]
	nt := it.nt
	if u.last > 0 {
		nt.OrderKey = max(nt.OrderKey, u.lastKey+1)
	}
	u.last++
	u.lastKey = nt.OrderKey
	if nt.Status == queue.Booked {
		// Not in the line until she checks in: her window is set now.
		nt.Window = nt.WindowAt(u.last, u.waiting)
	} else {
		u.waiting++
	}
	u.accepted = true
	nt.Number = u.last
	nt.Code = queue.FormatCode(nt.Prefix, nt.Number)
	if nt.Estimate != nil {
		nt.Window = nt.Estimate(u.waiting - 1)
	}
	f := g.facs[nt.FacilityID]
	f.seq++
	f.used = true
	e := queue.Event{Seq: f.seq, Facility: f.code, Unit: nt.Unit, ServiceDate: nt.ServiceDate, Kind: "booked",
		TicketID: nt.ID, Code: nt.Code, At: it.now, Waiting: u.waiting}
	if u.cc != "" {
		e.Current = &queue.Call{Code: u.cc, Counter: u.cn}
	}
	it.nt = nt
	g.outs[i] = bookOutcome{t: nt.Ticket, events: []queue.Event{e}, created: true}
}

// fetchTickets reads, inside the transaction, the earlier tickets that
// replays and duplicates answer with.
func (g *group) fetchTickets(ctx context.Context, tx pgx.Tx) error {
	if len(g.fetch) == 0 {
		return nil
	}
	ids := make([]string, 0, len(g.fetch))
	for _, id := range g.fetch {
		ids = append(ids, id)
	}
	ts, err := ticketsByID(ctx, tx, ids)
	if err != nil {
		return err
	}
	byID := map[string]queue.Ticket{}
	for _, t := range ts {
		byID[t.ID] = t
	}
	for i, id := range g.fetch {
		t, ok := byID[id]
		if !ok {
			return fmt.Errorf("ticket %s: %w", id, pgx.ErrNoRows)
		}
		var dup *queue.DuplicateError
		if errors.As(g.outs[i].err, &dup) {
			dup.Existing = t
		} else {
			g.outs[i] = bookOutcome{t: t}
		}
	}
	return nil
}

// runHooks runs the event hooks for each new ticket, in seq order, before
// the group's rows are written (as EventHook describes), with the booking's
// own context values but not its cancellation: the group is not the
// caller's to abandon.
func (db *DB) runHooks(tx pgx.Tx, g *group) error {
	htx := &Tx{tx: tx}
	for i, o := range g.outs {
		if !o.created {
			continue
		}
		hctx := context.WithoutCancel(g.items[i].ctx)
		for _, h := range db.Hooks {
			if err := h(hctx, htx, o.events[0], o.t, string(o.t.Channel)); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeBatch writes the group's new tickets, numbers, idempotency keys,
// events and facility seqs: one statement per table, whatever the group's
// size. Days go as text[] cast to date[], here and in the reads: pgx has
// no binary encoding of a []string as date[], and built an error for each
// such array before falling back to text.
func (g *group) writeBatch() *pgx.Batch {
	var w groupWrites
	for i, o := range g.outs {
		if o.created {
			w.add(g.items[i], o.events[0])
		}
	}
	for ud, u := range g.units {
		if u.accepted {
			w.nUnits, w.nDays = append(w.nUnits, ud.unit), append(w.nDays, ud.day)
			w.nLast, w.nKey, w.nWaiting = append(w.nLast, int32(u.last)), append(w.nKey, u.lastKey), append(w.nWaiting, int32(u.waiting))
		}
	}
	for id, f := range g.facs {
		if f.used {
			w.fIDs, w.fSeqs = append(w.fIDs, id), append(w.fSeqs, f.seq)
		}
	}
	b := &pgx.Batch{}
	if len(w.ids) == 0 {
		return b
	}
	b.Queue(`INSERT INTO ticket_numbers (unit_id, service_date, last, last_key, waiting)
		SELECT * FROM unnest($1::bigint[], $2::text[]::date[], $3::int[], $4::bigint[], $5::int[])
		ON CONFLICT (unit_id, service_date) DO UPDATE
		SET last = EXCLUDED.last, last_key = EXCLUDED.last_key, waiting = EXCLUDED.waiting`,
		w.nUnits, w.nDays, w.nLast, w.nKey, w.nWaiting)
	b.Queue(`INSERT INTO tickets (id, facility_id, unit_id, service_date, number, code, status, priority, channel,
			name, phone, nik, bpjs, phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit,
			window_start, window_end)
		SELECT id, facility_id, unit_id, service_date, number, code, status, priority, channel,
			name, phone, nik, bpjs, phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit,
			window_start, window_end
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]::date[], $5::int[], $6::text[], $7::text[], $8::text[],
			$9::text[], $10::text[], $11::text[], $12::text[], $13::bytea[], $14::bytea[], $15::bytea[], $16::bool[],
			$17::text[], $18::bigint[], $19::timestamptz[], $20::text[], $21::text[], $22::timestamptz[], $23::timestamptz[])
		t(id, facility_id, unit_id, service_date, number, code, priority, channel, name, phone, nik, bpjs,
			phone_hash, nik_hash, bpjs_hash, notify, visit_id, order_key, issued_at, from_unit, status, window_start, window_end)`,
		w.ids, w.facilities, w.units, w.days, w.numbers, w.codes, w.priorities, w.channels, w.names, w.phones,
		w.niks, w.bpjss, w.phoneHashes, w.nikHashes, w.bpjsHashes, w.notifies, w.visits, w.orderKeys, w.issued, w.fromUnits,
		w.statuses, w.windowStarts, w.windowEnds)
	if len(w.kIDs) > 0 {
		b.Queue(`INSERT INTO idempotency_keys (facility_id, key, request_hash, ticket_id, created_at)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::timestamptz[])
			ON CONFLICT (facility_id, key) DO UPDATE
			SET request_hash = EXCLUDED.request_hash, ticket_id = EXCLUDED.ticket_id, created_at = EXCLUDED.created_at`,
			w.kFacilities, w.kKeys, w.kHashes, w.kIDs, w.kAt)
	}
	b.Queue(`INSERT INTO ticket_events (facility_id, seq, unit_id, service_date, kind, ticket_id, code, counter,
			actor, at, waiting, current_code, current_counter)
		SELECT facility_id, seq, unit_id, service_date, 'booked', ticket_id, code, '', actor, at, waiting, cc, cn
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[]::date[], $5::text[], $6::text[], $7::text[],
			$8::timestamptz[], $9::int[], $10::text[], $11::text[])
		e(facility_id, seq, unit_id, service_date, ticket_id, code, actor, at, waiting, cc, cn)`,
		w.facilities, w.eSeqs, w.units, w.days, w.ids, w.codes, w.channels, w.eAt, w.eWaiting, w.eCC, w.eCN)
	b.Queue(`UPDATE facilities f SET event_seq = q.seq FROM unnest($1::bigint[], $2::bigint[]) q(id, seq) WHERE f.id = q.id`,
		w.fIDs, w.fSeqs)
	return b
}

// groupWrites holds the columns of a group's rows, one array per column.
type groupWrites struct {
	ids, codes, days, priorities, channels, names, phones, niks, bpjss, visits, fromUnits []string
	facilities, units, orderKeys                                                          []int64
	numbers                                                                               []int32
	phoneHashes, nikHashes, bpjsHashes                                                    [][]byte
	notifies                                                                              []bool
	issued                                                                                []time.Time
	statuses                                                                              []string
	windowStarts, windowEnds                                                              []*time.Time // NULL: no window

	eSeqs       []int64
	eAt         []time.Time
	eWaiting    []int32
	eCC, eCN    []string
	kFacilities []int64
	kKeys, kIDs []string
	kHashes     [][]byte
	kAt         []time.Time

	nUnits, fIDs, fSeqs []int64
	nDays               []string
	nLast, nWaiting     []int32
	nKey                []int64
}

func (w *groupWrites) add(it *bookItem, e queue.Event) {
	nt := it.nt
	w.ids, w.codes, w.days = append(w.ids, nt.ID), append(w.codes, nt.Code), append(w.days, nt.ServiceDate)
	w.priorities, w.channels = append(w.priorities, string(nt.Priority)), append(w.channels, string(nt.Channel))
	w.names, w.phones, w.niks, w.bpjss = append(w.names, nt.Name), append(w.phones, nt.Phone), append(w.niks, nt.NIK), append(w.bpjss, nt.BPJS)
	w.visits, w.fromUnits = append(w.visits, nt.VisitID), append(w.fromUnits, nt.FromUnit)
	w.facilities, w.units, w.orderKeys = append(w.facilities, nt.FacilityID), append(w.units, nt.UnitID), append(w.orderKeys, nt.OrderKey)
	w.numbers = append(w.numbers, int32(nt.Number))
	w.phoneHashes, w.nikHashes, w.bpjsHashes = append(w.phoneHashes, nt.PhoneHash), append(w.nikHashes, nt.NIKHash), append(w.bpjsHashes, nt.BPJSHash)
	w.notifies, w.issued = append(w.notifies, nt.Notify), append(w.issued, nt.IssuedAt)
	w.statuses = append(w.statuses, string(nt.Status))
	ws, we := keptWindow(nt)
	w.windowStarts, w.windowEnds = append(w.windowStarts, ws), append(w.windowEnds, we)
	w.eSeqs, w.eAt, w.eWaiting = append(w.eSeqs, e.Seq), append(w.eAt, e.At), append(w.eWaiting, int32(e.Waiting))
	var cc, cn string
	if e.Current != nil {
		cc, cn = e.Current.Code, e.Current.Counter
	}
	w.eCC, w.eCN = append(w.eCC, cc), append(w.eCN, cn)
	if nt.IdempotencyKey != "" {
		w.kFacilities, w.kKeys = append(w.kFacilities, nt.FacilityID), append(w.kKeys, nt.IdempotencyKey)
		w.kHashes, w.kIDs, w.kAt = append(w.kHashes, nt.RequestHash), append(w.kIDs, nt.ID), append(w.kAt, it.now)
	}
}
