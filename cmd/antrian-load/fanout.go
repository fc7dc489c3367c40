package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The fan-out baseline is the floor under "call to every screen": the same
// number of loopback TCP sockets as screens, one message of about a call
// event's size written to each by a writer goroutine per socket (the
// service's shape, without WebSocket framing, JSON or any queue logic), and
// read by one goroutine per socket, as the tool reads its screens. Each
// side runs in a process of its own (the tool starts the reading side,
// which starts the writing side), so the sockets' file descriptors never
// add up with the screens' in one process.

// fanoutChildArg, as the first argument, makes the tool the writing side.
const fanoutChildArg = "-fanout-writer"

// fanoutReaderArg, as the first argument, makes the tool the reading side:
// it starts the writing side itself and times the rounds it is asked for.
// Both sides are processes of their own, so that the load tool's open files
// (its screens) and the baseline's sockets never add up in one process.
const fanoutReaderArg = "-fanout-reader"

// fanoutSize is the message size: a call event on a display is about this long.
const fanoutSize = 256

// FanoutReport is the fan-out baseline's result.
type FanoutReport struct {
	Sockets int     `json:"sockets"`
	Rounds  int     `json:"rounds"`
	ToOne   Summary `json:"to_a_socket"`
	ToEvery Summary `json:"to_every_socket"`
	// BetweenCalls: each round ran right after a call reached every
	// screen, in the same run.
	BetweenCalls bool `json:"between_calls"`
}

// fanout is the baseline's reading process, open for rounds.
type fanout struct {
	n       int
	cmd     *exec.Cmd
	ask     io.WriteCloser
	answers chan string // the reader's lines, one per round; closed at its end

	mu       sync.Mutex
	one, all []time.Duration // every round's arrivals, and each round's slowest
}

// startFanout starts the reading process, which opens n sockets to its
// writing process, and waits until both are ready.
func startFanout(ctx context.Context, n int) (f *fanout, err error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	f = &fanout{n: n}
	f.cmd = exec.CommandContext(ctx, exe, fanoutReaderArg, strconv.Itoa(n))
	f.cmd.Stderr = os.Stderr
	if f.ask, err = f.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	out, err := f.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := f.cmd.Start(); err != nil {
		return nil, err
	}
	lines := bufio.NewReaderSize(out, 1<<20)
	if line, err := lines.ReadString('\n'); err != nil || line != "ready\n" {
		f.close()
		return nil, fmt.Errorf("fan-out reader: %q, %v", line, err)
	}
	// One goroutine reads every answer, so that a round given up on never
	// leaves a second reader behind.
	f.answers = make(chan string, 1)
	go func() {
		defer close(f.answers)
		for {
			line, err := lines.ReadString('\n')
			if err != nil {
				return
			}
			f.answers <- line
		}
	}()
	return f, nil
}

// round has one message written to every socket and notes when each
// arrived.
func (f *fanout) round(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := f.ask.Write([]byte{'\n'}); err != nil {
		return fmt.Errorf("fan-out reader: %w", err)
	}
	var line string
	select {
	case line = <-f.answers:
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(40 * time.Second):
		return errors.New("fan-out baseline: no answer from the reader in 40 s")
	}
	fields := strings.Fields(line)
	if len(fields) != f.n {
		return fmt.Errorf("fan-out reader: %d arrivals, want %d: %.80q", len(fields), f.n, line)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var worst time.Duration
	for _, v := range fields {
		us, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("fan-out reader: %w", err)
		}
		a := time.Duration(us) * time.Microsecond
		f.one = append(f.one, a)
		worst = max(worst, a)
	}
	f.all = append(f.all, worst)
	return nil
}

// report summarises the rounds so far.
func (f *fanout) report() *FanoutReport {
	f.mu.Lock()
	defer f.mu.Unlock()
	return &FanoutReport{Sockets: f.n, Rounds: len(f.all), ToOne: summarize(f.one), ToEvery: summarize(f.all), BetweenCalls: true}
}

// close ends the reading process, which ends the writing one.
func (f *fanout) close() {
	f.ask.Close()
	if f.answers != nil {
		for range f.answers { // an answer no round waited for; then the end
		}
	}
	f.cmd.Wait()
}

// fanoutReader is the reading process: it starts the writing process,
// opens n sockets to it, says "ready", and for every line on asks writes
// one message to every socket through the writer and answers with the
// arrival of each, in microseconds after the round began.
func fanoutReader(n int, asks io.Reader, out io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	writer := exec.Command(exe, fanoutChildArg, strconv.Itoa(n))
	writer.Stderr = os.Stderr
	trigger, err := writer.StdinPipe()
	if err != nil {
		return err
	}
	addrs, err := writer.StdoutPipe()
	if err != nil {
		return err
	}
	if err := writer.Start(); err != nil {
		return err
	}
	var conns []net.Conn
	var readers sync.WaitGroup
	defer func() {
		trigger.Close() // the writer exits at the end of its input
		writer.Wait()
		for _, c := range conns {
			c.Close()
		}
		readers.Wait()
	}()
	addr, err := bufio.NewReader(addrs).ReadString('\n')
	if err != nil {
		return fmt.Errorf("fan-out writer: %w", err)
	}
	for range n {
		c, err := net.Dial("tcp", addr[:len(addr)-1])
		if err != nil {
			return fmt.Errorf("fan-out baseline: %w", err)
		}
		conns = append(conns, c)
	}
	var (
		mu      sync.Mutex
		t0      time.Time
		left    int
		done    chan struct{}
		arrived = make([]time.Duration, n)
	)
	for i, c := range conns {
		readers.Add(1)
		go func() {
			defer readers.Done()
			buf := make([]byte, fanoutSize)
			for {
				if _, err := io.ReadFull(c, buf); err != nil {
					return
				}
				now := time.Now()
				mu.Lock()
				arrived[i] = now.Sub(t0)
				if left--; left == 0 {
					close(done)
				}
				mu.Unlock()
			}
		}()
	}
	w := bufio.NewWriter(out)
	fmt.Fprintln(w, "ready")
	if err := w.Flush(); err != nil {
		return err
	}
	in := bufio.NewReader(asks)
	for {
		if _, err := in.ReadString('\n'); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		mu.Lock()
		left, done = n, make(chan struct{})
		t0 = time.Now()
		wait := done
		mu.Unlock()
		if _, err := trigger.Write([]byte{'\n'}); err != nil {
			return fmt.Errorf("fan-out writer: %w", err)
		}
		select {
		case <-wait:
		case <-time.After(30 * time.Second):
			return errors.New("fan-out baseline: a round did not reach every socket in 30 s")
		}
		mu.Lock()
		for i, a := range arrived {
			if i > 0 {
				w.WriteByte(' ')
			}
			w.WriteString(strconv.FormatInt(a.Microseconds(), 10))
		}
		mu.Unlock()
		w.WriteByte('\n')
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

// fanoutWriter is the child: it accepts n connections, prints its address
// first, and for every byte on stdin writes one message to each through
// that connection's own goroutine. It returns at the end of stdin.
func fanoutWriter(n int, trigger io.Reader, out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Fprintln(out, ln.Addr().String())
	msg := make([]byte, fanoutSize)
	for i := range msg {
		msg[i] = 'x'
	}
	var writers sync.WaitGroup
	kicks := make([]chan struct{}, 0, n)
	defer func() {
		for _, k := range kicks {
			close(k)
		}
		writers.Wait()
	}()
	for range n {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		kick := make(chan struct{}, 16)
		kicks = append(kicks, kick)
		writers.Add(1)
		go func() {
			defer writers.Done()
			defer c.Close()
			for range kick {
				c.SetWriteDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Write(msg); err != nil {
					return
				}
			}
		}()
	}
	buf := make([]byte, 1)
	for {
		if _, err := trigger.Read(buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		for _, k := range kicks {
			k <- struct{}{}
		}
	}
}
